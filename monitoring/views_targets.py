"""Pages under /ops/targets/: the targets with their health, create and edit, run now, and
discovery from the CMDB. Ops engineers and admins only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from itops.audit import history_for
from itops.choices import Role
from itops.errors import DomainError
from itops.roles import role_required
from monitoring.targets import selectors, services
from monitoring.targets.forms import TargetForm


def _target(request, pk):
    return get_object_or_404(selectors.visible_targets(user=request.user), pk=pk)


def _list_context(request):
    filterset = selectors.target_filterset(user=request.user, data=request.GET)
    query = request.GET.copy()
    return {
        "filterset": filterset,
        "targets": filterset.qs[:500],
        "counts": selectors.health_counts(user=request.user),
        "querystring": query.urlencode(),
    }


@role_required(Role.OPS_ENGINEER)
def target_list(request):
    return render(request, "monitoring/target_list.html", _list_context(request))


@role_required(Role.OPS_ENGINEER)
def target_rows(request):
    """The table body alone, for the page's periodic refresh."""
    return render(request, "monitoring/inc/target_rows.html", _list_context(request))


@role_required(Role.OPS_ENGINEER)
def target_detail(request, pk):
    target = _target(request, pk)
    context = {"target": target, "history": history_for(target)[:50]}
    return render(request, "monitoring/target_detail.html", context)


def _save(request, form, target=None):
    try:
        if target is None:
            return services.create_target(by=request.user, **form.cleaned_data)
        return services.update_target(target=target, by=request.user, **form.cleaned_data)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    except ValidationError as error:
        form.add_error(None, error)
    return None


@role_required(Role.OPS_ENGINEER)
def target_create(request):
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = _save(request, form)
        if target is not None:
            messages.success(request, f"Target {target.name} added; it runs within seconds.")
            return redirect("monitoring:target-detail", pk=target.pk)
    return render(request, "monitoring/target_form.html", {"form": form, "target": None})


@role_required(Role.OPS_ENGINEER)
def target_edit(request, pk):
    target = _target(request, pk)
    form = TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        # The form already applied its values to `target`; the service compares against the
        # stored row.
        saved = _save(request, form, _target(request, pk))
        if saved is not None:
            messages.success(request, f"Target {saved.name} saved.")
            return redirect("monitoring:target-detail", pk=saved.pk)
    return render(request, "monitoring/target_form.html", {"form": form, "target": target})


@require_POST
@role_required(Role.OPS_ENGINEER)
def target_delete(request, pk):
    target = _target(request, pk)
    name = target.name
    services.delete_target(target=target, by=request.user)
    messages.success(request, f"Target {name} deleted.")
    return redirect("monitoring:target-list")


@require_POST
@role_required(Role.OPS_ENGINEER)
def target_run(request, pk):
    target = _target(request, pk)
    services.run_target_now(target=target, by=request.user)
    target.refresh_from_db()
    if request.headers.get("HX-Request"):
        return render(request, "monitoring/inc/target_row.html", {"target": target})
    messages.info(request, f"Target {target.name} is being collected now.")
    if request.POST.get("from") == "list":
        return redirect("monitoring:target-list")
    return redirect("monitoring:target-detail", pk=target.pk)


@require_POST
@role_required(Role.OPS_ENGINEER)
def target_discover(request):
    result = services.discover_targets(by=request.user)
    messages.success(request, f"Discovery from the CMDB: {result.summary()}.")
    return redirect("monitoring:target-list")
