from rest_framework.routers import DefaultRouter

from servicedesk.knowledge import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("articles", api.ArticleViewSet, basename="article")
router.register("article-categories", api.ArticleCategoryViewSet, basename="article-category")

urlpatterns = router.urls
