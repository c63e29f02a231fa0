// What every public page shares: the site navigation (one list, here), the catalog read from the API, and the
// catalog's texts in plain language (rule references such as "(R-AGY-1)" are for the project's own documents and
// are left out of public pages).
"use strict";

(function () {
  const NAV = [
    ["/", "Query builder"],
    ["/dashboards", "Dashboards"],
    ["/glossary", "Glossary"],
    ["/methodology", "Methodology"],
    ["/faq", "FAQ"],
    ["/downloads", "Downloads"],
  ];

  // Rule references ("(R-AGY-1)", "(R-RCD-1..3)", "(R-CHG-2, R-OFF-2)", "once, R-COH-1)", "R-PUB-4: ", "of R-PRG-1")
  // point into the project's own rulebook: public pages show the sentence without them.
  const RULE = String.raw`R-[A-Z]+-\d+(?:\.\.\d+)?`;
  const RULE_PATTERNS = [
    new RegExp(String.raw`\s*\((?:${RULE})(?:,\s*${RULE})*\)`, "g"),
    new RegExp(String.raw`,\s*${RULE}(?:,\s*${RULE})*(?=\))`, "g"),
    new RegExp(String.raw`\(${RULE}(?:,\s*${RULE})*,\s*`, "g"),
    new RegExp(String.raw`\b${RULE}:\s*`, "g"),
    new RegExp(String.raw`\s+(?:of|in|under|as|by)\s+${RULE}(?:,\s*${RULE})*`, "g"),
    new RegExp(String.raw`\s*${RULE}`, "g"),
  ];
  function plain(text) {
    let result = String(text || "");
    for (const pattern of RULE_PATTERNS) result = result.replace(pattern, pattern === RULE_PATTERNS[2] ? "(" : "");
    return result.replace(/\s+([.,;)])/g, "$1").replace(/\(\s*\)/g, "").trim();
  }

  function renderNav() {
    const nav = document.getElementById("site-nav");
    if (!nav) return;
    const list = document.createElement("ul");
    const here = window.location.pathname;
    for (const [href, text] of NAV) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      if (here === href || (href !== "/" && here.startsWith(`${href}/`))) link.setAttribute("aria-current", "page");
      item.append(link);
      list.append(item);
    }
    nav.replaceChildren(list);
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.error;
      const message = detail ? (typeof detail === "string" ? detail : JSON.stringify(detail)) : null;
      const error = new Error(message || `HTTP ${response.status} ${response.statusText}`.trim());
      error.status = response.status;
      error.parameter = body ? body.parameter : null;
      throw error;
    }
    return body;
  }

  let catalog = null;
  function loadCatalog() {
    if (!catalog) catalog = getJson("/api/v1/cohorts");
    return catalog;
  }

  function element(tag, attributes = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") el.textContent = value;
      else if (name === "className") el.className = value;
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) el.append(child);
    return el;
  }

  window.Crosstrack = { plain, getJson, loadCatalog, element };
  document.addEventListener("DOMContentLoaded", renderNav);
})();
