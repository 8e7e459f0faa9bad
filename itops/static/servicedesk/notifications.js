// The navbar's bell: marks the live connection and shows pushed notifications as toasts.
(() => {
  const bell = () => document.querySelector(".notification-bell");
  document.addEventListener("htmx:wsOpen", () => { const el = bell(); if (el) el.dataset.live = "connected"; });
  document.addEventListener("htmx:wsClose", () => { const el = bell(); if (el) el.dataset.live = "disconnected"; });
  document.addEventListener("htmx:wsAfterMessage", () => {
    // The notifications page keeps its unread total and offers the new rows.
    const total = document.getElementById("notification-unread-total");
    const count = document.getElementById("notification-count");
    if (total && count) {
      const unread = Number(count.dataset.count || 0);
      total.textContent = `${unread} unread`;
      const markAll = document.querySelector("[data-testid=mark-all-read]");
      if (markAll) markAll.disabled = unread === 0;
      const fresh = document.getElementById("notification-list-fresh");
      if (fresh && document.querySelector("#notification-toasts .toast:not([data-bound])")) fresh.hidden = false;
    }
    document.querySelectorAll("#notification-toasts .toast:not([data-bound])").forEach((toast) => {
      toast.dataset.bound = "1";
      if (!window.bootstrap) return;
      toast.addEventListener("hidden.bs.toast", () => toast.remove());
      window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 8000, animation: false }).show();
    });
  });
})();
