from django.db import models

from servicedesk.choices import Impact, Priority, Urgency


class Category(models.Model):
    """A ticket category; a category with a parent is a subcategory of it (two levels)."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcategories",
        limit_choices_to={"parent__isnull": True},
    )
    description = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="unique_subcategory_name",
                condition=models.Q(parent__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["name"],
                name="unique_top_category_name",
                condition=models.Q(parent__isnull=True),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="category_not_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "Categories have two levels: pick a top category."})


class PriorityMatrixCell(models.Model):
    """One cell of the impact x urgency -> priority matrix, editable by admins."""

    impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name = "priority matrix cell"
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="unique_priority_cell"),
        ]

    def __str__(self):
        return f"impact {self.impact} x urgency {self.urgency} -> {self.get_priority_display()}"
