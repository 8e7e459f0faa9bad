// Small behaviours shared by every page. Page-specific scripts live beside their templates.
document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  let message = `Request failed (${xhr.status}).`;
  try {
    const body = JSON.parse(xhr.responseText);
    message = body.detail || message;
  } catch (_) { /* not JSON: keep the status message */ }
  const box = document.createElement("div");
  box.className = "alert alert-danger position-fixed bottom-0 end-0 m-3 shadow";
  box.setAttribute("role", "alert");
  box.textContent = message;
  document.body.appendChild(box);
  setTimeout(() => box.remove(), 6000);
});
