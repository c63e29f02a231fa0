// The query builder: reads the catalog from the API, builds a query, runs it and shows the table.
// The page's own query string is the API's (cohort, dims, filter, metrics): opening a saved page URL
// restores the query and runs it (R-API-1). Nothing about the cohorts is hard-coded here.
"use strict";

(function () {
  const API_CATALOG = "/api/v1/cohorts";
  const API_QUERY = "/api/v1/query";
  const OFFENDER_STATUS = "offender_status";

  const state = {
    catalog: null, // normalized catalog
    cohort: null, // normalized cohort
    partitions: {}, // partition column -> value ("" = every period)
    filters: [], // [{dimension, value}] (non-partition)
    dims: [], // grouped dimension names, in the order picked
    metrics: [], // metric names
  };

  const $ = (id) => document.getElementById(id);

  // ---- the catalog ------------------------------------------------------------------------------------------

  function asList(value) {
    if (Array.isArray(value)) return value;
    if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
    return [];
  }

  function normalizeDimension(raw) {
    return {
      name: raw.name || raw.dimension,
      label: raw.label || raw.name || raw.dimension,
      description: raw.description || "",
      values: asList(raw.values).map((v) => (typeof v === "object" && v !== null ? String(v.value) : String(v))),
      requires: raw.requires_offender_status || null,
      isPartition: Boolean(raw.is_partition),
    };
  }

  function normalizeCohort(raw, catalog) {
    const partitionNames = asList(raw.partition_columns || raw.partitions).map((p) =>
      typeof p === "object" ? p.name || p.dimension : p,
    );
    const partitionObjects = asList(raw.partition_columns || raw.partitions).filter((p) => typeof p === "object");
    const allDims = asList(raw.dimensions).map(normalizeDimension);
    const partitions = partitionNames.map((name) => {
      const fromDims = allDims.find((d) => d.name === name);
      const fromPartitions = partitionObjects.find((p) => (p.name || p.dimension) === name);
      return fromDims || (fromPartitions ? normalizeDimension(fromPartitions) : { name, label: name, values: [] });
    });
    return {
      name: raw.name || raw.cohort,
      label: raw.label || raw.name || raw.cohort,
      description: raw.description || "",
      partitions,
      dimensions: allDims.filter((d) => !partitionNames.includes(d.name) && !d.isPartition),
      metrics: asList(raw.metrics).map((m) => ({
        name: m.name || m.metric,
        label: m.label || m.name || m.metric,
        unit: m.unit || "",
        description: m.description || "",
      })),
      maxDimensions: Number(raw.max_dimensions || catalog.max_dimensions || 3),
    };
  }

  function normalizeCatalog(raw) {
    const release = raw.release || {};
    const catalog = {
      asOf: raw.as_of || release.as_of || null,
      publishedAt: raw.published_at || release.published_at || null,
      threshold: raw.suppression_threshold || release.suppression_threshold || 5,
      max_dimensions: raw.max_dimensions || release.max_dimensions || 3,
    };
    const rawCohorts = Array.isArray(raw.cohorts) ? raw.cohorts : Object.entries(raw.cohorts || {}).map(
      ([name, body]) => Object.assign({ name }, body),
    );
    catalog.cohorts = rawCohorts.map((c) => normalizeCohort(c, catalog));
    return catalog;
  }

  function dimension(name) {
    return state.cohort.dimensions.find((d) => d.name === name) || state.cohort.partitions.find((d) => d.name === name);
  }

  // ---- rules: dimension budget and offender status (R-CHG-4) ------------------------------------------

  function offenderStatusFilter() {
    const filter = state.filters.find((f) => f.dimension === OFFENDER_STATUS && f.value);
    return filter ? filter.value : null;
  }

  function isAllowed(dim) {
    return !dim.requires || offenderStatusFilter() === dim.requires;
  }

  function groupingSet(dims = state.dims, filters = state.filters) {
    return new Set([...dims, ...filters.filter((f) => f.dimension).map((f) => f.dimension)]);
  }

  function budgetLeft() {
    return state.cohort.maxDimensions - groupingSet().size;
  }

  // Drop grouped or filtered dimensions that the current offender-status filter no longer allows.
  function dropDisallowed() {
    const dropped = [];
    state.dims = state.dims.filter((name) => {
      const ok = dimension(name) && isAllowed(dimension(name));
      if (!ok) dropped.push(name);
      return ok;
    });
    state.filters = state.filters.filter((f) => {
      const dim = dimension(f.dimension);
      const ok = !f.dimension || (dim && isAllowed(dim));
      if (!ok) dropped.push(f.dimension);
      return ok;
    });
    return dropped;
  }

  // ---- state <-> query string ---------------------------------------------------------------------------------

  function queryParams() {
    const params = new URLSearchParams();
    params.set("cohort", state.cohort.name);
    if (state.dims.length) params.set("dims", state.dims.join(","));
    for (const partition of state.cohort.partitions) {
      const value = state.partitions[partition.name];
      if (value) params.append("filter", `${partition.name}:${value}`);
    }
    for (const filter of state.filters) {
      if (filter.dimension && filter.value) params.append("filter", `${filter.dimension}:${filter.value}`);
    }
    if (state.metrics.length) params.set("metrics", state.metrics.join(","));
    return params;
  }

  // A query string that keeps ',' and ':' readable, as the API's canonical URLs do (both are legal there).
  function readable(params) {
    return params.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":");
  }

  function apiUrl(format) {
    const params = queryParams();
    params.set("format", format);
    return new URL(`${API_QUERY}?${readable(params)}`, window.location.origin).toString();
  }

  function restoreFromParams(params) {
    const cohort = state.catalog.cohorts.find((c) => c.name === params.get("cohort"));
    if (!cohort) return false;
    selectCohort(cohort.name, { keepEmpty: true });
    for (const raw of params.getAll("filter")) {
      const at = raw.indexOf(":");
      if (at < 0) continue;
      const name = raw.slice(0, at);
      const value = raw.slice(at + 1);
      if (cohort.partitions.some((p) => p.name === name)) state.partitions[name] = value;
      else state.filters.push({ dimension: name, value });
    }
    state.dims = asList(params.get("dims") || "");
    state.metrics = params.has("metrics") ? asList(params.get("metrics")) : cohort.metrics.map((m) => m.name);
    return true;
  }

  // ---- rendering the form ---------------------------------------------------------------------------------

  function option(value, text, selected) {
    const el = document.createElement("option");
    el.value = value;
    el.textContent = text;
    if (selected) el.selected = true;
    return el;
  }

  function renderCohorts() {
    const select = $("cohort");
    select.replaceChildren(...state.catalog.cohorts.map((c) => option(c.name, c.label, state.cohort && c === state.cohort)));
  }

  function renderPeriods() {
    const box = $("period-fields");
    box.replaceChildren();
    $("period-block").hidden = state.cohort.partitions.length === 0;
    for (const partition of state.cohort.partitions) {
      const id = `period-${partition.name}`;
      const wrap = document.createElement("div");
      wrap.className = "field";
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = partition.label;
      const select = document.createElement("select");
      select.id = id;
      select.name = partition.name;
      select.dataset.partition = partition.name;
      const current = state.partitions[partition.name] || "";
      select.append(option("", "All (one row each)", current === ""));
      for (const value of partition.values) select.append(option(value, value, value === current));
      select.addEventListener("change", () => {
        state.partitions[partition.name] = select.value;
        clearMessage();
      });
      wrap.append(label, select);
      box.append(wrap);
    }
  }

  function renderFilters() {
    const box = $("filter-rows");
    box.replaceChildren();
    state.filters.forEach((filter, index) => {
      const row = document.createElement("div");
      row.className = "filter-row";
      row.dataset.index = String(index);

      const dimId = `filter-dimension-${index}`;
      const valueId = `filter-value-${index}`;
      const dimLabel = document.createElement("label");
      dimLabel.htmlFor = dimId;
      dimLabel.textContent = `Filter ${index + 1}: dimension`;
      const dimSelect = document.createElement("select");
      dimSelect.id = dimId;
      dimSelect.className = "filter-dimension";
      dimSelect.append(option("", "Choose a dimension", !filter.dimension));
      const others = new Set(state.filters.filter((_, i) => i !== index).map((f) => f.dimension));
      const othersBudget = groupingSet(state.dims, state.filters.filter((_, i) => i !== index));
      for (const dim of state.cohort.dimensions) {
        const el = option(dim.name, dim.label, dim.name === filter.dimension);
        const overBudget = !othersBudget.has(dim.name) && othersBudget.size >= state.cohort.maxDimensions;
        if (others.has(dim.name) || !isAllowed(dim) || overBudget) {
          el.disabled = true;
          if (!isAllowed(dim)) el.textContent = `${dim.label} (needs offender status ${dim.requires})`;
        }
        dimSelect.append(el);
      }
      dimSelect.addEventListener("change", () => {
        filter.dimension = dimSelect.value;
        filter.value = "";
        onFiltersChanged();
      });

      const valueLabel = document.createElement("label");
      valueLabel.htmlFor = valueId;
      valueLabel.textContent = "value";
      const valueSelect = document.createElement("select");
      valueSelect.id = valueId;
      valueSelect.className = "filter-value";
      valueSelect.append(option("", "Choose a value", !filter.value));
      const dim = filter.dimension ? dimension(filter.dimension) : null;
      if (dim) for (const value of dim.values) valueSelect.append(option(value, value, value === filter.value));
      valueSelect.disabled = !dim;
      valueSelect.addEventListener("change", () => {
        filter.value = valueSelect.value;
        onFiltersChanged();
      });

      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button remove-filter";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove filter ${index + 1}`);
      remove.addEventListener("click", () => {
        state.filters.splice(index, 1);
        onFiltersChanged();
      });

      row.append(dimLabel, dimSelect, valueLabel, valueSelect, remove);
      box.append(row);
    });
    $("add-filter").disabled = budgetLeft() <= 0 && !state.filters.some((f) => !f.dimension);
  }

  function renderDimensions() {
    const box = $("dimension-list");
    box.replaceChildren();
    const left = budgetLeft();
    const filtered = new Set(state.filters.map((f) => f.dimension));
    for (const dim of state.cohort.dimensions) {
      const { item, input, label } = checkbox("dims", dim.name, dim.label, state.dims.includes(dim.name));
      if (!isAllowed(dim)) {
        input.disabled = !input.checked; // a restored link may hold one: it can still be unchecked
        item.classList.add("unavailable");
        const why = document.createElement("span");
        why.className = "why";
        why.textContent = `needs the filter offender status = ${dim.requires}`;
        label.append(" ", why);
      } else if (!input.checked && left <= 0 && !filtered.has(dim.name)) {
        input.disabled = true;
      }
      input.addEventListener("change", () => {
        if (input.checked) state.dims.push(dim.name);
        else state.dims = state.dims.filter((n) => n !== dim.name);
        clearMessage();
        renderForm();
      });
      box.append(item);
    }
    const used = groupingSet().size;
    $("dimension-budget").textContent =
      `${used} of ${state.cohort.maxDimensions} dimensions used (grouped and filtered dimensions count; the period does not).`;
    renderOffenseNote();
  }

  function renderOffenseNote() {
    const needs = new Map();
    for (const dim of state.cohort.dimensions) {
      if (dim.requires && !isAllowed(dim)) {
        if (!needs.has(dim.requires)) needs.set(dim.requires, []);
        needs.get(dim.requires).push(dim.label);
      }
    }
    const note = $("offense-note");
    if (needs.size === 0) {
      note.hidden = true;
      note.textContent = "";
      return;
    }
    const parts = [...needs.entries()].map(
      ([status, labels]) => `${labels.join(", ")}: filter offender status to ${status}`,
    );
    note.hidden = false;
    note.textContent =
      "Offense dimensions apply to one offender status only: a governing offense is known for sentenced people, " +
      `a leading charge for pretrial people. To group or filter by them, add a filter first. ${parts.join("; ")}.`;
  }

  function renderMetrics() {
    const box = $("metric-list");
    box.replaceChildren();
    for (const metric of state.cohort.metrics) {
      const { item, input } = checkbox("metrics", metric.name, metric.label, state.metrics.includes(metric.name));
      input.addEventListener("change", () => {
        if (input.checked) state.metrics = state.cohort.metrics.map((m) => m.name).filter((n) => n === metric.name || state.metrics.includes(n));
        else state.metrics = state.metrics.filter((n) => n !== metric.name);
        clearMessage();
      });
      box.append(item);
    }
  }

  // A labelled checkbox of the group `name` (dims or metrics): its wrapper, input and label.
  function checkbox(name, value, text, checked) {
    const id = `${name === "dims" ? "dim" : "metric"}-${value}`;
    const item = document.createElement("div");
    item.className = "check";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.id = id;
    input.name = name;
    input.value = value;
    input.checked = checked;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    item.append(input, label);
    return { item, input, label };
  }

  function renderForm() {
    renderFilters();
    renderDimensions();
  }

  function onFiltersChanged() {
    const dropped = dropDisallowed();
    clearMessage();
    if (dropped.length) {
      const labels = [...new Set(dropped)].map((n) => (dimension(n) ? dimension(n).label : n));
      $("form-message").textContent = `Removed ${labels.join(", ")}: it needs a different offender status filter.`;
    }
    renderForm();
  }

  function clearMessage() {
    $("form-message").textContent = "";
  }

  function selectCohort(name, { keepEmpty = false } = {}) {
    state.cohort = state.catalog.cohorts.find((c) => c.name === name) || state.catalog.cohorts[0];
    state.partitions = {};
    state.filters = [];
    state.dims = [];
    state.metrics = keepEmpty ? [] : state.cohort.metrics.map((m) => m.name);
    if (!keepEmpty) {
      // Default to the latest period: one table, not one per period.
      for (const partition of state.cohort.partitions) {
        if (partition.values.length) state.partitions[partition.name] = partition.values[partition.values.length - 1];
      }
    }
    $("cohort-description").textContent = state.cohort.description;
  }

  function renderAll() {
    renderCohorts();
    $("cohort-description").textContent = state.cohort.description;
    renderPeriods();
    renderMetrics();
    renderForm();
    for (const el of document.querySelectorAll('[data-bind="max-dimensions"]')) {
      el.textContent = String(state.cohort.maxDimensions);
    }
  }

  // ---- running a query and showing the answer ----------------------------------------------------------------

  const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const PERCENT = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

  function formatValue(value, unit) {
    if (value === null || value === undefined) return "";
    if (typeof value !== "number") return String(value);
    if (unit === "proportion") return PERCENT.format(value);
    return NUMBER.format(value);
  }

  // The API describes its columns ({name, label, role, unit}); a bare list of names is read with the catalog.
  function describeColumns(body) {
    const raw = Array.isArray(body.columns) && body.columns.length
      ? body.columns
      : Object.keys((body.rows || [])[0] || {});
    return raw
      .map((column) => {
        const given = typeof column === "object" && column !== null ? column : { name: column };
        const metric = state.cohort.metrics.find((m) => m.name === given.name);
        const dim = dimension(given.name);
        const role = given.role || (metric ? "metric" : given.name === "is_suppressed" ? "suppression" : "dimension");
        return {
          name: given.name,
          label: given.label || (metric ? metric.label : dim ? dim.label : given.name),
          role,
          isMetric: role === "metric",
          unit: given.unit || (metric ? metric.unit : ""),
        };
      })
      .filter((column) => column.role !== "suppression" && column.name !== "dimensions");
  }

  function suppressedMarker() {
    const span = document.createElement("span");
    span.className = "suppressed-marker";
    span.textContent = "suppressed";
    span.title = `Fewer than ${state.catalog.threshold} records: withheld, not zero`;
    return span;
  }

  function renderTable(body) {
    const columns = describeColumns(body);
    const rows = body.rows || [];
    const headRow = document.createElement("tr");
    for (const column of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = column.label;
      th.dataset.column = column.name;
      if (column.isMetric) th.className = "num";
      headRow.append(th);
    }
    $("result-table").tHead.replaceChildren(headRow);

    const tbody = $("result-table").tBodies[0];
    tbody.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      if (row.is_suppressed) tr.className = "is-suppressed";
      for (const column of columns) {
        const td = document.createElement("td");
        td.dataset.column = column.name;
        const value = row[column.name];
        if (column.isMetric) {
          td.className = "num";
          if (row.is_suppressed || value === null || value === undefined) {
            td.classList.add("suppressed");
            td.append(suppressedMarker());
          } else {
            td.textContent = formatValue(value, column.unit);
            td.dataset.value = String(value);
          }
        } else {
          td.textContent = value === null || value === undefined ? "" : String(value);
          if (value === null || value === undefined) td.classList.add("all");
        }
        tr.append(td);
      }
      tbody.append(tr);
    }
    const suppressed = rows.filter((r) => r.is_suppressed).length;
    $("result-caption").textContent = `${state.cohort.label}: ${rows.length} row${rows.length === 1 ? "" : "s"}`;
    // A long table comes in pages (the API's next_url): say that this is the first part of it.
    const total = typeof body.total_row_count === "number" ? body.total_row_count : rows.length;
    const shown =
      total > rows.length ? `The first ${rows.length} of ${total} rows (the API gives the rest page by page)` : "";
    $("result-summary").textContent = rows.length
      ? (shown || `${rows.length} row${rows.length === 1 ? "" : "s"}`) +
        (suppressed ? `, ${suppressed} suppressed (see the legend below the table).` : ".")
      : "No published cell matches this selection: it has no records.";
    $("legend").hidden = rows.length === 0;
    const hasAll = tbody.querySelector("td.all") !== null;
    for (const el of document.querySelectorAll(".legend-all")) el.hidden = !hasAll;
  }

  // The API's own canonical URLs when it gives them (query_url, csv_url), else the ones this page built.
  function renderShare(body) {
    const query = new URL(body.query_url || body.url || apiUrl("json"), window.location.origin);
    let csv;
    if (body.csv_url) {
      csv = new URL(body.csv_url, window.location.origin);
    } else {
      csv = new URL(query);
      csv.searchParams.set("format", "csv");
    }
    $("api-url").value = query.toString();
    $("download-csv").href = csv.toString();
    $("download-json").href = query.toString();
    $("download-json").setAttribute("download", `crosstrack_${state.cohort.name}.json`);
    $("copy-status").textContent = "";
    const threshold = body.suppression && body.suppression.threshold;
    if (threshold) {
      for (const el of document.querySelectorAll('[data-bind="suppression-threshold"]')) el.textContent = String(threshold);
    }
  }

  function showError(message, parameter) {
    const box = $("error");
    box.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = "The API could not answer this query.";
    const text = document.createElement("p");
    text.className = "error-message";
    text.textContent = message;
    box.append(title, text);
    if (parameter) {
      const param = document.createElement("p");
      param.className = "error-parameter";
      param.textContent = `Parameter: ${parameter}`;
      box.append(param);
    }
    box.hidden = false;
    $("result-body").hidden = true;
    $("results").hidden = false;
  }

  async function run({ push = true } = {}) {
    const params = queryParams();
    const pageUrl = `${window.location.pathname}?${readable(params)}`;
    if (push && `${window.location.pathname}${window.location.search}` !== pageUrl) {
      window.history.pushState(null, "", pageUrl);
    }
    $("run").disabled = true;
    $("results").setAttribute("aria-busy", "true");
    try {
      let body;
      try {
        body = await window.Crosstrack.getJson(apiUrl("json")); // site.js: an answer not OK throws with its error
      } catch (err) {
        if (!err.status) throw err;
        showError(err.message, err.parameter);
        return;
      }
      $("error").hidden = true;
      renderTable(body || { rows: [] });
      renderShare(body || {});
      $("result-body").hidden = false;
      $("results").hidden = false;
    } catch (err) {
      showError(`The request failed: ${err.message}`, null);
    } finally {
      $("run").disabled = false;
      $("results").removeAttribute("aria-busy");
    }
  }

  // ---- wiring --------------------------------------------------------------------------------------------------

  function loadFromLocation() {
    const params = new URLSearchParams(window.location.search);
    if (params.has("cohort") && restoreFromParams(params)) {
      renderAll();
      run({ push: false });
      return;
    }
    selectCohort(state.cohort ? state.cohort.name : state.catalog.cohorts[0].name);
    renderAll();
    $("results").hidden = true;
  }

  async function copyUrl() {
    const field = $("api-url");
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      }
    } catch (_) {
      copied = false;
    }
    if (!copied) {
      field.focus();
      field.select();
      try {
        copied = document.execCommand("copy");
      } catch (_) {
        copied = false;
      }
    }
    $("copy-status").textContent = copied ? "Copied." : "Selected: press Ctrl+C to copy.";
  }

  function renderRelease() {
    const parts = [];
    if (state.catalog.asOf) parts.push(`Data as of ${state.catalog.asOf}`);
    if (state.catalog.publishedAt) parts.push(`published ${String(state.catalog.publishedAt).replace("T", " ")}`);
    $("release-info").textContent = parts.join(", ");
    $("release-info").hidden = parts.length === 0;
    for (const el of document.querySelectorAll('[data-bind="suppression-threshold"]')) {
      el.textContent = String(state.catalog.threshold);
    }
  }

  async function start() {
    $("cohort").addEventListener("change", () => {
      selectCohort($("cohort").value);
      clearMessage();
      renderAll();
    });
    $("add-filter").addEventListener("click", () => {
      state.filters.push({ dimension: "", value: "" });
      clearMessage();
      renderForm();
      const selects = document.querySelectorAll(".filter-dimension");
      if (selects.length) selects[selects.length - 1].focus();
    });
    $("query-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (state.metrics.length === 0) {
        $("form-message").textContent = "Pick at least one measure.";
        return;
      }
      const incomplete = state.filters.find((f) => !f.dimension || !f.value);
      if (incomplete) {
        $("form-message").textContent = "Complete or remove the empty filter.";
        return;
      }
      run();
    });
    $("copy-url").addEventListener("click", copyUrl);
    window.addEventListener("popstate", loadFromLocation);

    try {
      const response = await fetch(API_CATALOG, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state.catalog = normalizeCatalog(await response.json());
    } catch (err) {
      showError(`The catalog could not be loaded: ${err.message}`, null);
      $("query-form").hidden = true;
      return;
    }
    if (!state.catalog.cohorts.length) {
      showError("No cohort is published.", null);
      $("query-form").hidden = true;
      return;
    }
    renderRelease();
    loadFromLocation();
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
