"""Receivers at fixed paths (see the external contracts in DESIGN.md)."""

urlpatterns = []
