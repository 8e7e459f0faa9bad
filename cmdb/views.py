"""CMDB pages for staff: CI list, detail, forms, business services and imports.

Everyone on staff reads; ops engineers and admins change things (agents read only)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cmdb import selectors, services
from cmdb.forms import CIForm, ImportForm, RelationshipForm
from cmdb.importing import IMPORT_FORMAT_HELP, plan_import_file
from cmdb.models import ConfigurationItem
from cmdb.panels import render_ci_panels
from itops.choices import Role
from itops.errors import DomainError
from itops.roles import STAFF_ROLES, has_role, role_required

PAGE_SIZE = 25
staff_only = role_required(*STAFF_ROLES)
editors_only = role_required(Role.OPS_ENGINEER)  # admins hold every role


def can_edit(user) -> bool:
    return has_role(user, Role.OPS_ENGINEER)


def _visible_ci(request, pk) -> ConfigurationItem:
    return get_object_or_404(selectors.visible_cis(user=request.user), pk=pk)


@staff_only
def ci_list(request):
    filterset = selectors.ci_filterset(user=request.user, data=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "sort": request.GET.get("ordering", ""),
        "can_edit": can_edit(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "cmdb/inc/ci_table.html", context)
    return render(request, "cmdb/ci_list.html", context)


@staff_only
def ci_detail(request, pk):
    ci = _visible_ci(request, pk)
    context = {
        "ci": ci,
        "relationships": selectors.relationships_of(ci),
        "impacted_services": selectors.impacted_services(ci),
        "history": selectors.ci_history(ci)[:50],
        "relationship_history": selectors.relationship_history(ci)[:50],
        "panels": render_ci_panels(request=request, ci=ci),
        "can_edit": can_edit(request.user),
        "graph_url": reverse("ci-graph", kwargs={"pk": ci.pk}),
        "graph_depths": [1, 2, 3],
    }
    if context["can_edit"]:
        context["relationship_form"] = RelationshipForm()
        context["ci_names"] = (
            selectors.visible_cis(user=request.user)
            .exclude(pk=ci.pk)
            .exclude(status="retired")
            .values_list("name", flat=True)[:2000]
        )
    return render(request, "cmdb/ci_detail.html", context)


def _ci_form_page(request, *, ci: ConfigurationItem | None):
    initial = {} if ci is None else {name: getattr(ci, name) for name in services.CI_FIELDS}
    form = CIForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if ci is None:
                ci = services.create_ci(by=request.user, **form.cleaned_data)
                messages.success(request, f"{ci.name} created.")
            else:
                services.update_ci(ci=ci, by=request.user, **form.cleaned_data)
                messages.success(request, f"{ci.name} saved.")
        except DomainError as error:
            if ci is not None:
                ci.refresh_from_db()
            form.add_domain_error(error)
        else:
            return redirect("cmdb:ci-detail", pk=ci.pk)
    return render(request, "cmdb/ci_form.html", {"form": form, "ci": ci})


@editors_only
def ci_create(request):
    return _ci_form_page(request, ci=None)


@editors_only
def ci_edit(request, pk):
    return _ci_form_page(request, ci=_visible_ci(request, pk))


@editors_only
@require_POST
def ci_retire(request, pk):
    ci = _visible_ci(request, pk)
    try:
        services.retire_ci(ci=ci, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{ci.name} retired.")
    return redirect("cmdb:ci-detail", pk=ci.pk)


@editors_only
@require_POST
def relationship_add(request, pk):
    ci = _visible_ci(request, pk)
    form = RelationshipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a relation and another CI.")
        return redirect("cmdb:ci-detail", pk=ci.pk)
    other = selectors.visible_cis(user=request.user).filter(name=form.cleaned_data["other"]).first()
    if other is None:
        messages.error(request, f"There is no CI named {form.cleaned_data['other']!r}.")
        return redirect("cmdb:ci-detail", pk=ci.pk)
    type, outgoing = form.split()
    source, target = (ci, other) if outgoing else (other, ci)
    try:
        relationship = services.add_relationship(
            source=source, target=target, type=type, by=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Added: {relationship}.")
    return redirect("cmdb:ci-detail", pk=ci.pk)


@editors_only
@require_POST
def relationship_remove(request, pk):
    relationship = get_object_or_404(selectors.relationship_list(user=request.user), pk=pk)
    back_to = request.POST.get("ci")
    if back_to not in (str(relationship.source_id), str(relationship.target_id)):
        back_to = relationship.source_id
    description = str(relationship)
    services.remove_relationship(relationship=relationship, by=request.user)
    messages.success(request, f"Removed: {description}.")
    return redirect("cmdb:ci-detail", pk=back_to)


@staff_only
def service_list(request):
    service_rows = [
        {"service": service, "impacted_by": selectors.service_dependencies(service).count()}
        for service in selectors.service_list(user=request.user)
    ]
    return render(request, "cmdb/service_list.html", {"rows": service_rows})


@staff_only
def service_detail(request, pk):
    service = get_object_or_404(selectors.service_list(user=request.user), pk=pk)
    context = {
        "service": service,
        "tree": selectors.dependency_tree(service),
        "dependency_count": selectors.service_dependencies(service).count(),
        "graph_url": reverse("ci-graph", kwargs={"pk": service.pk})
        + f"?direction=down&depth={selectors.GRAPH_MAX_DEPTH}",
        "history": selectors.ci_history(service)[:50],
    }
    return render(request, "cmdb/service_detail.html", context)


@editors_only
def ci_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    limit = settings.CMDB_IMPORT_MAX_BYTES
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > limit:
            form.add_error("file", f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
            status = 413
        else:
            plan = plan_import_file(
                upload.read(), filename=upload.name, format=form.cleaned_data["format"] or None
            )
            report = services.import_cis(
                plan=plan, by=request.user, skip_invalid=form.cleaned_data["skip_invalid"]
            )
            if not report.imported:
                status = 400
    return render(
        request,
        "cmdb/import_form.html",
        {"form": form, "report": report, "format_help": IMPORT_FORMAT_HELP, "limit": limit},
        status=status,
    )
