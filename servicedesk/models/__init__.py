"""Service desk data: one ticket table for incidents, requests and problems, and what hangs off it.

Other apps import these names from `servicedesk.models`, never from the sub-modules.
"""

from servicedesk.models.catalog import CatalogItem, CatalogTaskTemplate
from servicedesk.models.classification import Category, PriorityMatrixCell
from servicedesk.models.conversation import Attachment, Comment
from servicedesk.models.desk import SavedFilter
from servicedesk.models.fulfilment import FulfilmentTask, RequestApproval
from servicedesk.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleTag,
    ArticleView,
    ArticleVote,
)
from servicedesk.models.links import TicketLink
from servicedesk.models.notifications import EmailOptOut, InboundEmail, Notification
from servicedesk.models.routing import AssignmentRule
from servicedesk.models.satisfaction import SatisfactionRating
from servicedesk.models.tickets import (
    Incident,
    Problem,
    ServiceRequest,
    Ticket,
    TicketNumberSequence,
    TicketQuerySet,
)

__all__ = [
    "Article",
    "ArticleCategory",
    "ArticleTag",
    "ArticleView",
    "ArticleVote",
    "AssignmentRule",
    "Attachment",
    "CatalogItem",
    "CatalogTaskTemplate",
    "Category",
    "Comment",
    "EmailOptOut",
    "FulfilmentTask",
    "InboundEmail",
    "Incident",
    "Notification",
    "PriorityMatrixCell",
    "Problem",
    "RequestApproval",
    "SatisfactionRating",
    "SavedFilter",
    "ServiceRequest",
    "Ticket",
    "TicketLink",
    "TicketNumberSequence",
    "TicketQuerySet",
]
