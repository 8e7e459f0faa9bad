"""Error pages: JSON for API and receiver paths, HTML for people."""

from django.http import JsonResponse
from django.views import defaults

_JSON_PREFIXES = ("/api/", "/metrics", "/write", "/v2/")


def _wants_json(request) -> bool:
    return request.path.startswith(_JSON_PREFIXES)


def bad_request(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": str(exception) or "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
    return defaults.server_error(request)
