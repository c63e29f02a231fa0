// The reference pages' content from the API: the list of dashboards and the glossary from the catalog
// (/api/v1/cohorts), the downloads page from the list of published releases (/api/releases).
"use strict";

(function () {
  const { plain, getJson, loadCatalog, element } = window.Crosstrack;
  const DASHBOARDS = ["custodial", "admissions", "releases", "recidivism", "risk_and_needs"];

  function problem(box, message) {
    box.replaceChildren(element("p", { className: "error", role: "alert", text: message }));
  }

  // The catalog, or null once the box says why it could not be read.
  async function catalogFor(box) {
    try {
      return await loadCatalog();
    } catch (error) {
      problem(box, `The catalog could not be loaded: ${error.message}`);
      return null;
    }
  }

  async function dashboards(box) {
    const catalog = await catalogFor(box);
    if (!catalog) return;
    for (const name of DASHBOARDS) {
      const cohort = catalog.cohorts.find((c) => c.cohort === name);
      if (!cohort) continue;
      box.append(
        element(
          "li",
          {},
          element("a", { href: `/dashboards/${name}`, text: cohort.label }),
          element("p", { className: "hint", text: plain(cohort.description) }),
        ),
      );
    }
  }

  async function glossary(box) {
    const catalog = await catalogFor(box);
    if (!catalog) return;
    const contents = element("ul", { "aria-label": "Cohorts" });
    box.append(element("h2", { id: "contents", text: "Cohorts" }), contents);
    for (const cohort of catalog.cohorts) {
      const id = `cohort-${cohort.cohort}`;
      contents.append(element("li", {}, element("a", { href: `#${id}`, text: cohort.label })));
      const section = element("section", { "aria-labelledby": id, "data-cohort": cohort.cohort });
      section.append(element("h2", { id, text: cohort.label }), element("p", { text: plain(cohort.description) }));
      if (DASHBOARDS.includes(cohort.cohort)) {
        section.append(element("p", {}, element("a", { href: `/dashboards/${cohort.cohort}`, text: `Dashboard: ${cohort.label}` })));
      }
      section.append(element("h3", { text: "Dimensions" }));
      const dims = element("dl", { className: "dimensions" });
      for (const dim of cohort.dimensions) {
        const term = element("dt", { "data-dimension": dim.dimension, text: dim.label });
        const text = plain(dim.description);
        const needs = dim.requires_offender_status ? ` Offered once offender status is ${dim.requires_offender_status}.` : "";
        const values = element("dd", { className: "values", "data-values": dim.dimension, text: `Values: ${dim.values.join("; ")}` });
        dims.append(term, element("dd", { text: text + needs }), values);
      }
      section.append(dims, element("h3", { text: "Measures" }));
      const measures = element("dl", { className: "measures" });
      for (const m of cohort.metrics) {
        measures.append(element("dt", { "data-metric": m.metric, text: m.label }), element("dd", { text: `${plain(m.description)} Unit: ${m.unit}.` }));
      }
      section.append(measures);
      box.append(section);
    }
    const threshold = catalog.suppression_threshold;
    box.append(
      element("h2", { id: "suppressed", text: "Suppressed" }),
      element("p", { text: `A figure about fewer than ${threshold} records is withheld, and so is every statistic computed from it. Suppressed is not zero.` }),
    );
  }

  function size(bytes) {
    if (typeof bytes !== "number") return "";
    const units = ["bytes", "KB", "MB", "GB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
  }

  async function downloads(box) {
    let releases;
    try {
      releases = await getJson("/api/releases");
    } catch (error) {
      problem(box, error.status === 404 ? "No list of published releases is available on this server yet." : `The list of releases could not be loaded: ${error.message}`);
      return;
    }
    if (!Array.isArray(releases) || !releases.length) {
      box.replaceChildren(element("p", { text: "No release has been published yet." }));
      return;
    }
    for (const release of releases) {
      const id = `release-${release.id}`;
      const section = element("section", { "aria-labelledby": id, "data-release": release.id });
      const title = `Release ${release.id}: data as of ${release.as_of}${release.current ? " (current)" : ""}`;
      section.append(element("h2", { id, text: title }));
      if (release.published_at) section.append(element("p", { className: "hint", text: `Published ${String(release.published_at).replace("T", " ")}` }));
      const table = element("table");
      table.append(element("caption", { text: `Files of release ${release.id}` }));
      const head = element("tr");
      for (const text of ["File", "Format", "Size"]) head.append(element("th", { scope: "col", text }));
      table.append(element("thead", {}, head));
      const body = element("tbody");
      for (const file of release.downloads || []) {
        body.append(
          element(
            "tr",
            {},
            element("td", {}, element("a", { href: file.url, download: "", text: file.name })),
            element("td", { text: file.format }),
            element("td", { className: "num", text: size(file.bytes) }),
          ),
        );
      }
      table.append(body);
      section.append(element("div", { className: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": id }, table));
      box.append(section);
    }
  }

  const RENDER = { dashboards, glossary, downloads };
  document.addEventListener("DOMContentLoaded", async () => {
    for (const box of document.querySelectorAll("[data-render]")) await RENDER[box.dataset.render](box);
    document.body.dataset.ready = "true";
  });
})();
