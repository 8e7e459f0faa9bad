// The metric explorer's form: custom range fields, more selectors, and auto-refresh of the
// chart (reflected in the URL, so a shared link refreshes too). The query itself is a plain GET
// form: the URL always holds it.
(function () {
  "use strict";

  const REFRESH_SECONDS = 30;
  const form = document.getElementById("explorer-form");
  if (!form) return;
  const chart = document.getElementById("explorer-chart");
  const range = form.querySelector("#range");
  const refresh = form.querySelector("#refresh");
  let timer = null;

  range.addEventListener("change", () => {
    form.querySelectorAll(".custom-range").forEach((field) => {
      field.hidden = range.value !== "custom";
    });
  });

  form.querySelectorAll("input[name=view]").forEach((radio) => {
    radio.addEventListener("change", () => form.requestSubmit());
  });

  function removable(row) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary";
    button.setAttribute("data-remove-selector", "");
    button.setAttribute("aria-label", "Remove this selector");
    button.innerHTML = '<i class="bi bi-x-lg"></i>';
    row.append(button);
  }

  form.querySelector("#add-selector").addEventListener("click", () => {
    const rows = form.querySelectorAll(".selector-row");
    const row = rows[0].cloneNode(true);
    row.querySelectorAll("[data-remove-selector]").forEach((button) => button.remove());
    const input = row.querySelector("input");
    input.value = "";
    removable(row);
    rows[rows.length - 1].after(row);
    if (window.htmx) window.htmx.process(row);
    input.focus();
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-selector]");
    if (button) button.closest(".selector-row").remove();
  });

  function setRefresh(on) {
    clearInterval(timer);
    timer = null;
    const url = new URL(window.location.href);
    if (on) url.searchParams.set("refresh", "on"); else url.searchParams.delete("refresh");
    window.history.replaceState(null, "", url);
    if (on && chart && chart.dataset.rangeSeconds) {
      timer = setInterval(() => window.ItopsCharts.load(chart), REFRESH_SECONDS * 1000);
    }
  }

  refresh.addEventListener("change", () => {
    if (chart) setRefresh(refresh.checked);
    else if (form.querySelector("input[name=view]:checked").value === "table" && refresh.checked) form.requestSubmit();
  });
  if (refresh.checked && chart) setRefresh(true);
  // The table is rendered by the server: refreshing it means loading the page again.
  if (refresh.checked && !chart && document.querySelector("[data-testid=explorer-table]")) {
    setTimeout(() => window.location.reload(), REFRESH_SECONDS * 1000);
  }
})();
