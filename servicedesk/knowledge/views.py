"""Pages of the knowledge base under /kb/: browse and search, read and vote; staff write."""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from itops.audit import history_for
from itops.errors import DomainError
from servicedesk.knowledge import selectors, services
from servicedesk.knowledge.choices import TRANSITION_VERBS, ArticleState, allowed_transitions
from servicedesk.knowledge.forms import ArticleCategoryForm, ArticleForm
from servicedesk.knowledge.rendering import marked_snippet_html, render_markdown
from servicedesk.knowledge.search import snippet_for
from servicedesk.models.knowledge import Article, ArticleCategory

RESULTS_PER_PAGE = 20
ARTICLE_NUMBER = re.compile(r"KB0*(\d{1,12})", re.IGNORECASE)
STATE_FILTERS = [("published", "Published"), ("draft", "Drafts"), ("retired", "Retired")]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def authors_only(view):
    """Signed-in staff only (agents, engineers, change managers, admins)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_author_articles(request.user):
            raise PermissionDenied("Only staff write and publish knowledge articles.")
        return view(request, *args, **kwargs)

    return wrapped


def _readable_article(request, slug: str) -> Article:
    try:
        return selectors.article_for_reader(user=request.user, slug=slug)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None


# --- reading ------------------------------------------------------------------------------------


@login_required
@require_GET
def article_list(request):
    """The front page of the knowledge base, a category, a tag or a search."""
    user = request.user
    is_author = selectors.can_author_articles(user)
    text = request.GET.get("q", "").strip()
    category_slug = request.GET.get("category", "").strip()
    tag = request.GET.get("tag", "").strip()
    state = request.GET.get("state", "").strip() if is_author else ""
    category = get_object_or_404(ArticleCategory, slug=category_slug) if category_slug else None
    if state not in dict(STATE_FILTERS):
        state = ""
    number = ARTICLE_NUMBER.fullmatch(text)
    if number and not _is_htmx(request):
        # Someone quoting "KB0000042" from a ticket wants that article, not a search.
        quoted = selectors.article_scope(user=user).filter(pk=int(number[1])).first()
        if quoted is not None:
            return redirect(quoted)

    browsing = bool(text or category or tag or state)
    filters = {"q": text, "category": category_slug, "tag": tag}
    # Readers and search look at published articles; authors pick drafts or retired ones.
    filters["state"] = state or ArticleState.PUBLISHED
    articles = (
        selectors.article_list(user=user, filters=filters) if browsing else Article.objects.none()
    )
    page = Paginator(articles, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    for article in page:
        article.snippet_html = marked_snippet_html(snippet_for(article, text)) if text else ""

    context = {
        "query": text,
        "category": category,
        "tag": tag,
        "state": state,
        "state_filters": STATE_FILTERS,
        "browsing": browsing,
        "page": page,
        "is_author": is_author,
    }
    if not browsing:
        context["popular"] = selectors.popular_articles(user=user)
        context["recent"] = selectors.recent_articles(user=user)
    if _is_htmx(request) and request.headers.get("HX-Target") == "kb-results":
        return render(request, "servicedesk/inc/article_results.html", context)
    context["tree"] = selectors.category_tree(user=user, hide_empty=not is_author)
    return render(request, "servicedesk/article_list.html", context)


@login_required
@require_GET
def article_detail(request, slug: str):
    article = _readable_article(request, slug)
    if article.state == ArticleState.PUBLISHED and services.record_article_view(
        article=article, user=request.user
    ):
        article.view_count += 1
    is_author = selectors.can_author_articles(request.user)
    context = {
        "article": article,
        "votes": selectors.vote_summary(article=article, user=request.user),
        "related": selectors.related_articles(article=article, user=request.user),
        "is_author": is_author,
    }
    if is_author:
        context["history"] = history_for(article)[:50]
        context["transitions"] = [
            (state, TRANSITION_VERBS[state]) for state in allowed_transitions(article.state)
        ]
    return render(request, "servicedesk/article_detail.html", context)


@login_required
@require_POST
def article_vote(request, slug: str):
    article = _readable_article(request, slug)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        return HttpResponseBadRequest("helpful must be yes or no")
    try:
        services.vote_on_article(article=article, user=request.user, helpful=answer == "yes")
    except DomainError as error:
        if _is_htmx(request):
            return JsonResponse(error.as_dict(), status=error.status_code)
        messages.error(request, error.message)
        return redirect(article)
    if not _is_htmx(request):
        messages.success(request, "Thanks for your feedback.")
        return redirect(article)
    votes = selectors.vote_summary(article=article, user=request.user)
    return render(
        request,
        "servicedesk/inc/article_votes.html",
        {"article": article, "votes": votes, "thanked": True},
    )


@login_required
@require_GET
def article_suggestions(request):
    """Articles matching a partial text, as an HTML fragment for htmx. Takes `q`, or
    `short_description` so a ticket form's own field can drive it unchanged."""
    text = request.GET.get("q") or request.GET.get("short_description") or ""
    suggestions = selectors.suggest_articles(user=request.user, text=text)
    return render(
        request,
        "servicedesk/inc/article_suggestions.html",
        {"suggestions": suggestions, "query": text.strip()},
    )


# --- writing ------------------------------------------------------------------------------------


def _add_domain_error(form, error: DomainError) -> None:
    visible = {field.name for field in form.visible_fields()}
    form.add_error(error.field if error.field in visible else None, error.message)


@authors_only
def article_create(request):
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(by=request.user, **form.article_fields())
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Draft {article.number} saved.")
            return redirect(article)
    return render(request, "servicedesk/article_form.html", {"form": form, "article": None})


@authors_only
def article_edit(request, slug: str):
    article = get_object_or_404(Article, slug=slug)
    form = ArticleForm(request.POST or None, article=article)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.update_article(
                article=article,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.article_fields(),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"{article.number} saved (version {article.version}).")
            return redirect(article)
    return render(request, "servicedesk/article_form.html", {"form": form, "article": article})


@authors_only
@require_POST
def article_transition(request, slug: str):
    article = get_object_or_404(Article, slug=slug)
    try:
        article = services.transition_article(
            article=article, by=request.user, to_state=request.POST.get("state", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{article.number} is now {article.get_state_display().lower()}.")
    return redirect(article)


@authors_only
@require_POST
def article_preview(request):
    """The body as it will read, for the editor's preview tab."""
    body = request.POST.get("body", "")[: services.MAX_BODY_CHARS]
    return render(
        request, "servicedesk/inc/article_preview.html", {"body_html": render_markdown(body)}
    )


@authors_only
def category_form(request, slug: str | None = None):
    category = get_object_or_404(ArticleCategory, slug=slug) if slug else None
    form = ArticleCategoryForm(request.POST or None, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                category = services.create_category(by=request.user, **form.cleaned_data)
            else:
                category = services.update_category(
                    category=category, by=request.user, **form.cleaned_data
                )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Category {category.name} saved.")
            return redirect(f"{redirect('knowledge:index').url}?category={category.slug}")
    return render(
        request, "servicedesk/articlecategory_form.html", {"form": form, "category": category}
    )
