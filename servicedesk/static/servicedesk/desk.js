// Agent console behaviours: bulk selection, the bulk action's fields, modals reopened after an
// error, the live priority hint.
(function () {
  function bulkSetup(root) {
    const form = root.querySelector("#bulk-form");
    if (!form) return;
    const boxes = () => Array.from(form.querySelectorAll('input[name="tickets"]'));
    const all = form.querySelector("[data-bulk-all]");
    const count = form.querySelector("[data-bulk-count]");
    const submit = form.querySelector("[data-bulk-submit]");
    const action = form.querySelector("[data-bulk-action]");
    const refresh = () => {
      const chosen = boxes().filter((box) => box.checked).length;
      count.textContent = chosen;
      submit.disabled = chosen === 0;
    };
    const showFields = () => {
      form.querySelectorAll("[data-bulk-for]").forEach((el) => {
        el.classList.toggle("d-none", el.dataset.bulkFor !== action.value);
      });
    };
    all && all.addEventListener("change", () => { boxes().forEach((box) => { box.checked = all.checked; }); refresh(); });
    form.addEventListener("change", (event) => { if (event.target.name === "tickets") refresh(); });
    action && action.addEventListener("change", showFields);
    showFields();
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    bulkSetup(document);
    const opener = document.querySelector("[data-open-modal]");
    if (opener && opener.dataset.openModal) {
      const modal = document.getElementById(`${opener.dataset.openModal}-modal`);
      if (modal && window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(modal).show();
    }
  });
  // The live connection's state, for people (a title) and browser tests (data-live).
  document.addEventListener("htmx:wsOpen", (event) => {
    event.detail.elt.dataset.live = "open";
    event.detail.elt.title = "Live updates on";
  });
  document.addEventListener("htmx:wsClose", (event) => {
    event.detail.elt.dataset.live = "closed";
    event.detail.elt.title = "Live updates reconnecting…";
  });
  document.body.addEventListener("htmx:afterSwap", (event) => bulkSetup(event.target.parentElement || document));
})();
