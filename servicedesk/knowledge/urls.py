from django.urls import path

from servicedesk.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="index"),
    path("suggest/", views.article_suggestions, name="suggest"),
    path("preview/", views.article_preview, name="preview"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("articles/<slug:slug>/edit/", views.article_edit, name="article-edit"),
    path("articles/<slug:slug>/transition/", views.article_transition, name="article-transition"),
    path("articles/<slug:slug>/vote/", views.article_vote, name="article-vote"),
    path("categories/new/", views.category_form, name="category-create"),
    path("categories/<slug:slug>/edit/", views.category_form, name="category-edit"),
]
