// The post-editing report's charts, drawn with the vendored Chart.js (static/vendor/chartjs) from
// the figures the page carries in <script type="application/json" id="pe-data">. The tables
// under the charts hold the same numbers; the charts only draw them.
"use strict";

(function () {
  const source = document.getElementById("pe-data");
  if (!source || !window.Chart) return;
  const report = JSON.parse(source.textContent);
  const labels = report.labels || {};
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => css.getPropertyValue(`--pe-${name}`).trim() || fallback;
  const ink = css.getPropertyValue("--ink").trim() || "#1f2933";
  const muted = css.getPropertyValue("--muted").trim() || "#66727f";
  const line = css.getPropertyValue("--line").trim() || "#dde3e9";

  Chart.defaults.font.family = css.getPropertyValue("--latin").trim() || "system-ui, sans-serif";
  Chart.defaults.color = muted;
  Chart.defaults.borderColor = line;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.color = ink;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  const fixed = (value, digits) => (value === null || value === undefined ? "—" : Number(value).toFixed(digits));
  const whole = (value) => (value === null || value === undefined ? "—" : Math.round(value).toLocaleString("en"));
  const name = (group) => labels[group.key] || group.label || group.key;
  // the origins that occur, in the report's order (all five when the report is empty of none)
  const origins = report.origins.filter((g) => g.segments > 0);

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return null;
    return new Chart(canvas, config);
  }

  // 1. How the English came to be: one bar for the sentences, one for the words, stacked to 100%
  draw("chart-origins", {
    type: "bar",
    data: {
      labels: ["Sentences", "Words"],
      datasets: origins.map((g) => ({
        label: name(g),
        data: [g.share, g.word_share],
        counts: [g.segments, g.source_words],
        backgroundColor: colour(g.key, "#b8c2cc"),
        borderColor: "#ffffff",
        borderWidth: 1,
        maxBarThickness: 56,
      })),
    },
    options: {
      indexAxis: "y",
      scales: {
        x: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%` } },
        y: { stacked: true, grid: { display: false }, ticks: { color: ink } },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const count = ctx.dataset.counts[ctx.dataIndex];
              const what = ctx.dataIndex === 0 ? "sentence" : "word";
              return ` ${ctx.dataset.label}: ${fixed(ctx.parsed.x, 1)}% (${count} ${what}${count === 1 ? "" : "s"})`;
            },
          },
        },
      },
    },
  });

  // 2. Edit effort by origin: pooled TER and character edit rate, side by side; an origin's
  // words on two lines ("match" / "unchanged") rather than a slanted label
  const twoLines = (text) => {
    const space = text.indexOf(" ");
    return space < 0 ? text : [text.slice(0, space), text.slice(space + 1)];
  };
  draw("chart-effort", {
    type: "bar",
    data: {
      labels: origins.map((g) => twoLines(name(g))),
      datasets: [
        {
          label: "TER",
          data: origins.map((g) => g.ter),
          backgroundColor: colour("ter", "#0b5cad"),
          maxBarThickness: 38,
        },
        {
          label: "Character edit rate",
          data: origins.map((g) => g.char_edit_rate),
          backgroundColor: colour("chars", "#e69f00"),
          maxBarThickness: 38,
        },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (v) => `${v}%` } },
        x: { grid: { display: false }, ticks: { color: ink, maxRotation: 0, autoSkip: false } },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => name(origins[items[0].dataIndex]),
            label: (ctx) => ` ${ctx.dataset.label}: ${fixed(ctx.parsed.y, 1)}%`,
          },
        },
      },
    },
  });

  // 3. Words an hour by translator (only those with recorded time: without it there is no speed)
  const timed = report.translators.filter((g) => g.words_per_hour !== null);
  draw("chart-speed", {
    type: "bar",
    data: {
      labels: timed.map((g) => g.label),
      datasets: [
        {
          label: "Words an hour",
          data: timed.map((g) => g.words_per_hour),
          backgroundColor: colour("speed", "#1f7a4d"),
          maxBarThickness: 38,
        },
      ],
    },
    options: {
      indexAxis: timed.length > 6 ? "y" : "x",
      scales: {
        x: { beginAtZero: true, grid: { display: timed.length > 6 }, ticks: { color: ink } },
        y: { beginAtZero: true },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const g = timed[ctx.dataIndex];
              return ` ${whole(ctx.raw)} words an hour (${g.source_words} words, ${g.timed_segments} timed sentences)`;
            },
          },
        },
      },
    },
  });
})();
