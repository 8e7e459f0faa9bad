// The navbar's bell: marks the live connection and shows pushed notifications as toasts.
(() => {
  const bell = () => document.querySelector(".notification-bell");
  document.addEventListener("htmx:wsOpen", () => { const el = bell(); if (el) el.dataset.live = "connected"; });
  document.addEventListener("htmx:wsClose", () => { const el = bell(); if (el) el.dataset.live = "disconnected"; });
  document.addEventListener("htmx:wsAfterMessage", () => {
    document.querySelectorAll("#notification-toasts .toast:not([data-bound])").forEach((toast) => {
      toast.dataset.bound = "1";
      if (!window.bootstrap) return;
      toast.addEventListener("hidden.bs.toast", () => toast.remove());
      window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 8000, animation: false }).show();
    });
  });
})();
