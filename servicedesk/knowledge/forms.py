from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce

from servicedesk.knowledge import services
from servicedesk.knowledge.choices import ArticleAudience
from servicedesk.models.knowledge import Article, ArticleCategory


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent} › {category.name}" if category.parent_id else category.name


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="One or two sentences shown in search results and suggestions.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    body = forms.CharField(
        max_length=services.MAX_BODY_CHARS,
        required=False,
        strip=False,
        help_text="Markdown: **bold**, *italic*, [links](https://…), lists, tables, "
        "```code blocks```. Raw HTML is cleaned.",
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 16}),
    )
    audience = forms.ChoiceField(
        choices=ArticleAudience.choices,
        initial=ArticleAudience.EVERYONE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text="Internal articles are never shown to end users.",
    )
    categories = CategoryChoiceField(
        # Tree order for the two levels people use: each parent, then its children.
        queryset=ArticleCategory.objects.select_related("parent").order_by(
            Coalesce("parent__name", "name"), F("parent").asc(nulls_first=True), "name"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    tags = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. vpn, remote work",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    related = forms.ModelMultipleChoiceField(
        queryset=Article.objects.order_by("title"),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, article: Article | None = None, **kwargs):
        if article is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": article.title,
                "summary": article.summary,
                "body": article.body,
                "audience": article.audience,
                "categories": list(article.categories.all()),
                "tags": ", ".join(tag.name for tag in article.tags.all()),
                "related": list(article.related.all()),
                "version": article.version,
            }
        super().__init__(*args, **kwargs)
        if article is not None:
            self.fields["related"].queryset = Article.objects.exclude(pk=article.pk).order_by(
                "title"
            )

    def clean_tags(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["tags"].split(",")]
        return [name for name in names if name]

    def article_fields(self) -> dict:
        """The cleaned values as keyword arguments of the article services."""
        fields = dict(self.cleaned_data)
        fields.pop("version", None)
        return fields


class ArticleCategoryForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    parent = forms.ModelChoiceField(
        queryset=ArticleCategory.objects.order_by("name"),
        required=False,
        empty_label="— top level —",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    position = forms.IntegerField(
        min_value=0,
        max_value=32767,
        initial=0,
        help_text="Lower comes first among its siblings.",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, category: ArticleCategory | None = None, **kwargs):
        if category is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": category.name,
                "parent": category.parent,
                "description": category.description,
                "position": category.position,
            }
        super().__init__(*args, **kwargs)
        if category is not None:
            self.fields["parent"].queryset = ArticleCategory.objects.exclude(pk=category.pk)
