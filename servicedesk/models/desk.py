from django.conf import settings
from django.db import models


class SavedFilter(models.Model):
    """A queue filter an agent saved from the console: the query string of the queue page.

    Shared filters appear in every agent's sidebar; only the owner deletes one."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True, help_text="The queue's query string.")
    is_shared = models.BooleanField(default=False, help_text="Show it to every agent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_saved_filter_name"),
        ]
        indexes = [models.Index(fields=["is_shared", "name"], name="savedfilter_shared_idx")]

    def __str__(self):
        return self.name
