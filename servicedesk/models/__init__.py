from servicedesk.models.knowledge import *  # noqa
