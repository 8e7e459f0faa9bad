// Metric charts: any element with `data-chart` fetches its points from the query API and draws
// them with uPlot, with a legend of the series' labels that shows the values under the cursor.
//   data-api             the query_range URL
//   data-params          its parameters without the time range (match[], step, agg, group, by)
//   data-range-seconds   a range ending now; or data-start / data-end (RFC 3339 or Unix seconds)
//   data-height, data-unit ("bytes", "/s", ...), data-legend="off"
// Everything the API sends is inserted as text, never as HTML.
(function () {
  "use strict";
  if (window.ItopsCharts) return; // included by several panels of one page

  const PALETTE = ["#3b5bdb", "#e8590c", "#2f9e44", "#c2255c", "#7048e8", "#0c8599",
                   "#f08c00", "#5c940d", "#862e9c", "#1971c2", "#e03131", "#495057"];
  const RESOLUTIONS = { raw: "raw samples", "1m": "1-minute rollups", "1h": "1-hour rollups" };

  function color(index) { return PALETTE[index % PALETTE.length]; }

  function seriesName(line) {
    const labels = Object.keys(line.labels).sort()
      .map((name) => `${name}="${String(line.labels[name]).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
    const metric = line.metric || "";
    if (!labels.length) return metric || "{}";
    return `${metric}{${labels.join(", ")}}`;
  }

  function formatValue(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const magnitude = Math.abs(value);
    if (unit === "bytes") {
      const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
      let scaled = value, i = 0;
      while (Math.abs(scaled) >= 1024 && i < units.length - 1) { scaled /= 1024; i += 1; }
      return `${+scaled.toPrecision(3)} ${units[i]}`;
    }
    const suffix = unit && unit !== "bytes" ? unit : "";
    if (magnitude >= 1e9) return `${+(value / 1e9).toPrecision(3)}G${suffix}`;
    if (magnitude >= 1e6) return `${+(value / 1e6).toPrecision(3)}M${suffix}`;
    if (magnitude >= 1e4) return `${+(value / 1e3).toPrecision(3)}k${suffix}`;
    if (magnitude === 0 || magnitude >= 0.01) return `${+value.toPrecision(4)}${suffix}`;
    return `${value.toExponential(2)}${suffix}`;
  }

  function timeRange(el) {
    if (el.dataset.rangeSeconds) {
      const end = Date.now() / 1000;
      return { start: end - Number(el.dataset.rangeSeconds), end: end };
    }
    return { start: el.dataset.start || "", end: el.dataset.end || "" };
  }

  function parts(el) {
    if (!el._parts) {
      el.replaceChildren();
      const meta = document.createElement("div");
      meta.className = "chart-meta small text-body-secondary";
      const plot = document.createElement("div");
      plot.className = "chart-plot";
      const legend = document.createElement("ul");
      legend.className = "chart-legend list-unstyled mb-0";
      legend.setAttribute("aria-label", "Legend");
      el.append(meta, plot, legend);
      el._parts = { meta, plot, legend };
    }
    return el._parts;
  }

  function showMessage(el, text, tone) {
    const { plot, legend, meta } = parts(el);
    if (el._plot) { el._plot.destroy(); el._plot = null; }
    const box = document.createElement("div");
    box.className = `chart-message alert alert-${tone} mb-0`;
    box.setAttribute("role", tone === "danger" ? "alert" : "status");
    box.textContent = text;
    plot.replaceChildren(box);
    legend.replaceChildren();
    meta.textContent = "";
  }

  function alignedData(body) {
    const times = Array.from(new Set(body.series.flatMap((line) => line.points.map((p) => p[0]))))
      .sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const columns = body.series.map((line) => {
      const column = new Array(times.length).fill(null);
      for (const [t, value] of line.points) column[index.get(t)] = value;
      return column;
    });
    return [times, ...columns];
  }

  function duration(seconds) {
    const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
    let rest = seconds, text = "";
    for (const [unit, size] of units) {
      if (rest >= size) { text += `${Math.floor(rest / size)}${unit}`; rest %= size; }
    }
    return text || "0s";
  }

  function describe(meta, body) {
    const what = [`${body.series.length} series`, body.agg];
    if (body.group) what.push(body.by.length ? `${body.group} by ${body.by.join(", ")}` : body.group);
    what.push(`step ${duration(body.step)}`);
    const badge = document.createElement("span");
    badge.className = "badge text-bg-light border";
    badge.dataset.resolution = body.resolution;
    badge.textContent = RESOLUTIONS[body.resolution] || body.resolution;
    const finer = Object.keys(body.sources || {}).filter((source) => source !== body.resolution);
    const points = (count) => `${count} ${count === 1 ? "point" : "points"}`;
    const note = finer.length
      ? ` (newest ${finer.map((s) => `${points(body.sources[s])} from ${RESOLUTIONS[s] || s}`).join(", ")})` : "";
    meta.replaceChildren(`${what.join(" · ")} · from `, badge, note);
  }

  function pad(number) { return String(number).padStart(2, "0"); }

  // Tick labels in UTC, 24-hour clock; the date under the first tick of each day (not on
  // compact charts, which have no room for a second line).
  function timeTicks(compact) {
    return (u, splits, axisIndex, space, increment) => splits.map((ts, i) => {
      const d = new Date(ts * 1000);
      const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      if (increment >= 86400) return date;
      let clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
      if (increment < 60) clock += `:${pad(d.getUTCSeconds())}`;
      if (compact) return clock;
      const previous = i > 0 ? new Date(splits[i - 1] * 1000) : null;
      return !previous || previous.getUTCDate() !== d.getUTCDate() ? `${clock}\n${date}` : clock;
    });
  }

  function draw(el, body) {
    const { meta, plot, legend } = parts(el);
    if (el._plot) { el._plot.destroy(); el._plot = null; }
    el.dataset.resolution = body.resolution;
    if (!body.series.length) {
      showMessage(el, "No data for these series in this time range.", "secondary");
      return;
    }
    plot.replaceChildren();
    if (el.dataset.meta === "off") meta.hidden = true; else describe(meta, body);
    const unit = el.dataset.unit || "";
    const names = body.series.map(seriesName);
    const height = Number(el.dataset.height || 320);
    const compact = height < 200;
    const options = {
      width: Math.max(plot.clientWidth || el.clientWidth, 300),
      height: height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      legend: { show: false },
      cursor: { focus: { prox: 16 } },
      focus: { alpha: 0.35 },
      scales: { x: { time: true } },
      axes: [
        compact
          ? { font: "10px system-ui", size: 24, space: 60, values: timeTicks(true) }
          : { label: "UTC", labelSize: 16, labelFont: "12px system-ui", font: "11px system-ui", space: 70, values: timeTicks(false) },
        { size: compact ? 56 : 64, font: compact ? "10px system-ui" : "11px system-ui", values: (u, ticks) => ticks.map((v) => formatValue(v, unit)) },
      ],
      series: [{}].concat(names.map((name, i) => ({
        label: name, stroke: color(i), width: 1.5, spanGaps: false, points: { show: false },
      }))),
      hooks: { setCursor: [(u) => showCursorValues(el, u)] },
    };
    el._plot = new uPlot(options, alignedData(body), plot);

    legend.replaceChildren();
    if (el.dataset.legend === "off") return;
    names.forEach((name, i) => {
      const item = document.createElement("li");
      item.className = "chart-legend-entry";
      item.setAttribute("data-testid", "legend-entry");
      item.title = "Click to hide or show this series";
      const swatch = document.createElement("span");
      swatch.className = "chart-swatch";
      swatch.style.background = color(i);
      const label = document.createElement("code");
      label.textContent = name;
      const value = document.createElement("span");
      value.className = "chart-legend-value";
      const last = body.series[i].points.filter((p) => p[1] !== null).pop();
      value.textContent = last ? formatValue(last[1], unit) : "–";
      value.dataset.last = value.textContent;
      item.append(swatch, label, value);
      item.addEventListener("click", () => {
        const shown = !el._plot.series[i + 1].show;
        el._plot.setSeries(i + 1, { show: shown });
        item.classList.toggle("chart-legend-off", !shown);
      });
      legend.append(item);
    });
  }

  function showCursorValues(el, u) {
    const entries = el._parts ? el._parts.legend.children : [];
    const idx = u.cursor.idx;
    for (let i = 0; i < entries.length; i += 1) {
      const value = entries[i].querySelector(".chart-legend-value");
      value.textContent = idx === null || idx === undefined
        ? value.dataset.last : formatValue(u.data[i + 1][idx], el.dataset.unit || "");
    }
  }

  async function load(el) {
    const range = timeRange(el);
    const params = new URLSearchParams(el.dataset.params || "");
    if (range.start !== "") params.set("start", range.start);
    if (range.end !== "") params.set("end", range.end);
    el.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`${el.dataset.api}?${params}`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      let body = null;
      try { body = await response.json(); } catch (_) { /* not JSON */ }
      if (!response.ok) {
        showMessage(el, (body && body.detail) || `The query failed (${response.status}).`, "danger");
        return;
      }
      draw(el, body);
      el.dispatchEvent(new CustomEvent("chart:loaded", { detail: body }));
    } catch (error) {
      showMessage(el, `The query failed: ${error.message}`, "danger");
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      document.querySelectorAll("[data-chart]").forEach((el) => {
        if (el._plot) el._plot.setSize({ width: Math.max(el._parts.plot.clientWidth, 300), height: el._plot.height });
      });
    }, 150);
  });

  function loadNew(root) {
    root.querySelectorAll("[data-chart]").forEach((el) => {
      if (el._loaded) return;
      el._loaded = true;
      load(el);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => loadNew(document));
  } else {
    loadNew(document);
  }
  // Charts in fragments that htmx swaps in (panels loaded later).
  document.addEventListener("htmx:afterSettle", (event) => loadNew(event.target));

  window.ItopsCharts = { load, draw, seriesName, formatValue };
})();
