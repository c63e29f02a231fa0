// A cohort's dashboard: the latest figure and its change, the trend over every period, breakdowns, and (recidivism)
// the 1-, 2- and 3-year rates of each measure. Every number is a published cell read from /api/v1/query, the same
// lookup as the query builder's; the page computes no statistic (a change is the difference of two published
// values, and says so). Filters, period and measure live in the page's URL, so any view can be shared.
"use strict";

(function () {
  const { plain, getJson, loadCatalog, element } = window.Crosstrack;
  const $ = (id) => document.getElementById(id);

  const DEMOGRAPHICS = ["age_group", "assigned_sex", "gender_identity", "race", "ethnicity"];
  const FILTERS = ["agency", "facility_type", "offender_status", ...DEMOGRAPHICS];
  // Breakdowns per cohort, the cohort's own dimensions first; a name the release does not carry is skipped.
  const BREAKDOWNS = {
    custodial: ["agency", "facility_type", "offender_status", ...DEMOGRAPHICS],
    admissions: ["admission_type", "agency", "facility_type", "offender_status", ...DEMOGRAPHICS],
    releases: ["release_type", "release_to_community", "agency", "facility_type", "offender_status", ...DEMOGRAPHICS],
    recidivism: ["agency", "facility_type", "release_type", ...DEMOGRAPHICS, "governing_offense_type"],
    risk_and_needs: ["risk_level", "population", "instrument", "agency", ...DEMOGRAPHICS],
  };
  // Offered once offender status is filtered to the value the catalog names (requires_offender_status).
  const OFFENSE_BREAKDOWNS = ["governing_offense_type", "leading_charge_type"];
  const RECIDIVISM_MEASURES = ["rearraignment_rate", "reconviction_rate", "reincarceration_rate"];
  const FOLLOWUP = "followup_years";
  // Okabe-Ito: told apart with every common colour-vision deficiency; each has 3:1 contrast or more on white.
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
  const PERTURBATION =
    "Each published number is moved by a small random amount, always the same for the same records, so that no " +
    "hidden value can be worked out; parts may therefore not add up exactly to totals.";

  const state = { cohort: null, catalog: null, filters: new Map(), period: "", measure: "", followup: "" };
  const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const PERCENT = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

  // ---- the catalog ------------------------------------------------------------------------------------------

  const dimension = (name) => state.cohort.dimensions.find((d) => d.dimension === name);
  const metric = (name) => state.cohort.metrics.find((m) => m.metric === name);
  const partitions = () => state.cohort.partition_columns.map(dimension).filter(Boolean);
  const periodDimension = () => partitions()[0];
  const isRecidivism = () => Boolean(dimension(FOLLOWUP));

  function format(value, unit) {
    if (value === null || value === undefined) return "";
    return unit === "proportion" ? PERCENT.format(value) : NUMBER.format(value);
  }

  function allowed(dim) {
    return !dim.requires_offender_status || state.filters.get("offender_status") === dim.requires_offender_status;
  }

  // ---- state <-> URL ------------------------------------------------------------------------------------------

  function pageParams() {
    const params = new URLSearchParams();
    for (const [name, value] of state.filters) params.append("filter", `${name}:${value}`);
    if (state.period) params.set("period", state.period);
    if (state.followup) params.set("followup", state.followup);
    if (state.measure) params.set("measure", state.measure);
    return params;
  }

  const readable = (params) => params.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":");

  function restore() {
    const params = new URLSearchParams(window.location.search);
    state.filters = new Map();
    for (const raw of params.getAll("filter")) {
      const at = raw.indexOf(":");
      const dim = at > 0 ? dimension(raw.slice(0, at)) : null;
      if (dim && !dim.is_partition && dim.values.includes(raw.slice(at + 1))) state.filters.set(dim.dimension, raw.slice(at + 1));
    }
    const period = periodDimension();
    state.period = period && period.values.includes(params.get("period")) ? params.get("period") : "";
    const followup = dimension(FOLLOWUP);
    state.followup = followup && followup.values.includes(params.get("followup")) ? params.get("followup") : "";
    state.measure = metric(params.get("measure")) ? params.get("measure") : "";
  }

  function pushState() {
    const url = `${window.location.pathname}${pageParams().toString() ? `?${readable(pageParams())}` : ""}`;
    if (`${window.location.pathname}${window.location.search}` !== url) window.history.pushState(null, "", url);
  }

  // ---- API queries --------------------------------------------------------------------------------------------

  // An API query: {dims, filters (map, non-partition and partition), metrics} -> its query string.
  function apiParams(query, format) {
    const params = new URLSearchParams();
    params.set("cohort", state.cohort.cohort);
    if (query.dims && query.dims.length) params.set("dims", query.dims.join(","));
    for (const [name, value] of query.filters) params.append("filter", `${name}:${value}`);
    params.set("metrics", query.metrics.join(","));
    if (format) params.set("format", format);
    return params;
  }

  function run(query) {
    return getJson(`/api/v1/query?${readable(apiParams(query, "json"))}`);
  }

  // ---- figures -----------------------------------------------------------------------------------------------

  // rows: [{key, label, series?, value, status}] with status "shown", "suppressed" or an absence label.
  function chartSpec(rows, options) {
    const data = rows.map((row) => ({
      key: row.label,
      series: row.series || "",
      value: row.status === "shown" ? row.value : null,
      note: row.status === "shown" ? "" : row.status,
      shown: format(row.value, options.unit),
    }));
    const axisFormat = options.unit === "proportion" ? ".0%" : ",.0f";
    // The categories in the catalog's value order, whichever layer (bar or label) draws them.
    const category = { field: "key", type: "ordinal", sort: [...new Set(data.map((d) => d.key))], title: options.categoryTitle };
    const value = { field: "value", type: "quantitative", title: options.valueTitle, axis: { format: axisFormat } };
    const horizontal = options.horizontal;
    const encoding = horizontal ? { y: category, x: value } : { x: category, y: value };
    const grouped = rows.some((row) => row.series);
    if (grouped) {
      encoding.color = {
        field: "series",
        type: "ordinal",
        sort: null,
        title: options.seriesTitle,
        scale: { range: PALETTE },
        legend: { orient: "bottom" },
      };
      encoding[horizontal ? "yOffset" : "xOffset"] = { field: "series", sort: null };
    }
    const notePosition = horizontal
      ? { y: category, x: { datum: 0, type: "quantitative" } }
      : { x: category, y: { datum: 0, type: "quantitative" } };
    if (grouped) notePosition[horizontal ? "yOffset" : "xOffset"] = { field: "series", sort: null };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      description: options.description,
      width: "container",
      height: horizontal ? { step: grouped ? 12 : 20 } : 220,
      autosize: { type: "fit-x", contains: "padding" },
      data: { values: data },
      config: {
        font: "system-ui, sans-serif",
        axis: { labelColor: "#1c2430", titleColor: "#1c2430", labelLimit: 200 },
        legend: { labelColor: "#1c2430", titleColor: "#1c2430" },
        view: { stroke: null },
      },
      layer: [
        {
          transform: [{ filter: "datum.value !== null" }],
          mark: { type: "bar", color: PALETTE[0], tooltip: false },
          encoding,
        },
        {
          transform: [{ filter: "datum.note !== ''" }],
          mark: horizontal
            ? { type: "text", align: "left", dx: 4, fontStyle: "italic", color: "#6b4e00" }
            : { type: "text", align: "left", angle: 270, dx: 4, fontStyle: "italic", color: "#6b4e00" },
          encoding: { ...notePosition, text: { field: "note" } },
        },
      ],
    };
  }

  function tableOf(rows, options) {
    const table = element("table", { className: "chart-table" });
    table.append(element("caption", { text: options.caption }));
    const head = element("tr");
    const columns = [options.categoryTitle, ...(options.seriesValues || [options.valueTitle])];
    columns.forEach((text, index) => head.append(element("th", { scope: "col", className: index ? "num" : null, text })));
    table.append(element("thead", {}, head));
    const body = element("tbody");
    const keys = [...new Set(rows.map((row) => row.label))];
    for (const key of keys) {
      const tr = element("tr", { "data-key": key }, element("th", { scope: "row", text: key }));
      const cells = options.seriesValues
        ? options.seriesValues.map((series) => rows.find((row) => row.label === key && row.series === series))
        : [rows.find((row) => row.label === key)];
      cells.forEach((row, index) => {
        const td = element("td", { className: "num" });
        if (options.seriesValues) td.dataset.series = options.seriesValues[index];
        if (!row || row.status !== "shown") {
          const note = row ? row.status : options.absent;
          td.classList.add(note === "suppressed" ? "suppressed" : "absent");
          td.append(element("span", { className: note === "suppressed" ? "suppressed-marker" : "absent-marker", text: note }));
        } else {
          td.textContent = format(row.value, options.unit);
          td.dataset.value = String(row.value);
        }
        tr.append(td);
      });
      body.append(tr);
    }
    table.append(body);
    return table;
  }

  let figureCount = 0;
  // A chart with its definition, the perturbation sentence, its table, the CSV of its query and a builder link.
  async function figure(container, options) {
    figureCount += 1;
    const id = `chart-${figureCount}`;
    const box = element("section", { className: "chart", id, "aria-labelledby": `${id}-title`, "data-chart": options.name });
    box.append(element("h3", { id: `${id}-title`, text: options.title }));
    if (options.help) box.append(element("p", { className: "hint chart-help", text: options.help }));
    container.append(box);
    let answer;
    try {
      answer = await run(options.query);
    } catch (error) {
      box.dataset.state = "error";
      box.append(element("p", { className: "error chart-error", role: "alert", text: `The API did not answer this chart: ${error.message}` }));
      box.append(links(options.query));
      return null;
    }
    const rows = options.rowsOf(answer);
    box.dataset.state = "ready";
    box.append(element("p", { className: "perturbation", text: PERTURBATION }));
    const canvas = element("div", { className: "chart-canvas", role: "img", "aria-label": options.description });
    box.append(canvas);
    if (!rows.length) {
      canvas.append(element("p", { className: "hint", text: "No published cell matches this selection: it has no records." }));
    }
    const details = element("details", { className: "chart-data" });
    details.append(element("summary", { text: "The numbers behind this chart" }), element("div", { className: "table-wrap" }, tableOf(rows, { ...options, caption: options.title })));
    box.append(details, links(options.query, answer));
    if (rows.length) {
      const spec = chartSpec(rows, options);
      await window.vegaEmbed(canvas, spec, {
        actions: false,
        renderer: "svg",
        defaultStyle: false,
        tooltip: false,
        ast: true, // vega-interpreter: no eval, so the page's Content-Security-Policy needs no 'unsafe-eval'
        expr: window.vegaInterpreter.expressionInterpreter,
      });
      const svg = canvas.querySelector("svg");
      if (svg) svg.setAttribute("aria-hidden", "true"); // the canvas is the image; its numbers are in the table
    }
    return answer;
  }

  function links(query, answer) {
    const csv = answer && answer.csv_url ? answer.csv_url : `/api/v1/query?${readable(apiParams(query, "csv"))}`;
    const builder = `/?${readable(apiParams(query))}`;
    return element(
      "p",
      { className: "chart-links" },
      element("a", { href: csv, download: "", className: "csv-link", text: "Download this chart's data (CSV)" }),
      element("a", { href: builder, className: "builder-link", text: "Open this query in the query builder" }),
    );
  }

  // ---- rows of an answer ---------------------------------------------------------------------------------------

  function cell(row, name) {
    if (!row) return { status: "no records", value: null };
    if (row.is_suppressed || row[name] === null || row[name] === undefined) return { status: "suppressed", value: null };
    return { status: "shown", value: row[name] };
  }

  // ---- the dashboard -------------------------------------------------------------------------------------------

  function baseFilters() {
    return new Map([...state.filters].filter(([name]) => dimension(name) && allowed(dimension(name))));
  }

  function measureOptions() {
    return isRecidivism() ? state.cohort.metrics : state.cohort.metrics.filter((m) => m.unit !== "proportion");
  }

  function currentMeasure() {
    if (state.measure) return metric(state.measure);
    return metric(isRecidivism() ? "reincarceration_rate" : "record_count") || state.cohort.metrics[0];
  }

  function renderFilters() {
    const box = $("filter-fields");
    box.replaceChildren();
    const period = periodDimension();
    const selects = [];
    if (period) selects.push({ name: "period", dim: period, value: state.period, empty: "Latest", help: "The period of the breakdowns below; the trend shows every period." });
    const followup = dimension(FOLLOWUP);
    if (followup) selects.push({ name: "followup", dim: followup, value: state.followup, empty: "1", help: "The follow-up window of the breakdowns below." });
    for (const name of FILTERS) {
      const dim = dimension(name);
      if (!dim || dim.is_partition) continue;
      selects.push({ name: `filter-${name}`, dim, value: state.filters.get(name) || "", empty: "All", filter: true });
    }
    const used = baseFilters().size;
    const budget = state.cohort.max_dimensions;
    for (const entry of selects) {
      const id = `select-${entry.name}`;
      const helpId = `${id}-help`;
      const select = element("select", { id, name: entry.name, "aria-describedby": helpId });
      select.append(element("option", { value: "", text: entry.empty }));
      for (const value of entry.dim.values) {
        const option = element("option", { value, text: value });
        if (value === entry.value) option.selected = true;
        select.append(option);
      }
      if (entry.filter && !entry.value && used >= budget - 1) select.disabled = true;
      select.addEventListener("change", () => onChange(entry, select.value));
      const label = entry.name === "period" ? `${entry.dim.label} (breakdowns)` : entry.dim.label;
      const help = entry.help || plain(entry.dim.description);
      box.append(element("div", { className: "field" }, element("label", { for: id, text: label }), select, element("p", { className: "hint", id: helpId, text: help })));
    }
    const measures = measureOptions();
    if (measures.length > 1) {
      const select = element("select", { id: "select-measure", name: "measure", "aria-describedby": "select-measure-help" });
      for (const m of measures) {
        const option = element("option", { value: m.metric, text: m.label });
        if (m === currentMeasure()) option.selected = true;
        select.append(option);
      }
      select.addEventListener("change", () => onChange({ name: "measure" }, select.value));
      box.append(element("div", { className: "field" }, element("label", { for: "select-measure", text: "Measure" }), select, element("p", { className: "hint", id: "select-measure-help", text: plain(currentMeasure().description) })));
    }
    $("filter-budget").textContent =
      `A view combines at most ${budget} dimensions: ${used} filter${used === 1 ? "" : "s"} in use, and each breakdown adds one. ` +
      "Remove a filter to choose another.";
    $("clear-filters").disabled = state.filters.size === 0;
  }

  function onChange(entry, value) {
    if (entry.name === "period") state.period = value;
    else if (entry.name === "followup") state.followup = value;
    else if (entry.name === "measure") state.measure = value;
    else if (value) state.filters.set(entry.dim.dimension, value);
    else state.filters.delete(entry.dim.dimension);
    // An offense breakdown needs its offender status: nothing else to drop (filters never hold offense dimensions).
    pushState();
    render();
  }

  function filterSummary() {
    const parts = [...baseFilters()].map(([name, value]) => `${dimension(name).label}: ${value}`);
    return parts.length ? ` (${parts.join(", ")})` : "";
  }

  async function renderTrend(charts) {
    const mine = generation;
    const period = periodDimension();
    const measure = currentMeasure();
    const answer = await figure(charts, {
      name: "trend",
      title: `${measure.label} over every ${period.label.toLowerCase()}${filterSummary()}`,
      help: plain(measure.description),
      description: `Bar chart of ${measure.label.toLowerCase()} by ${period.label.toLowerCase()}; the numbers are in the table below it.`,
      query: { dims: [], filters: baseFilters(), metrics: [measure.metric] },
      categoryTitle: period.label,
      valueTitle: measure.label,
      unit: measure.unit,
      absent: "no records",
      rowsOf: (body) => period.values.map((value) => ({ label: value, ...cell(body.rows.find((r) => String(r[period.dimension]) === value), measure.metric) })).filter((row, index, all) => row.status !== "no records" || all.slice(index).some((r) => r.status !== "no records")),
    });
    if (mine === generation) renderHeadline(answer, measure, period);
    return answer;
  }

  function renderHeadline(answer, measure, period) {
    $("headline").hidden = false;
    $("headline-heading").textContent = `Latest figure: ${measure.label.toLowerCase()}${filterSummary()}`;
    const value = $("headline-value");
    const change = $("headline-change");
    value.replaceChildren();
    change.textContent = "";
    $("headline-note").textContent = "";
    if (!answer) {
      value.textContent = "The API did not answer; see the chart below.";
      return;
    }
    const rows = period.values.map((v) => ({ period: v, row: answer.rows.find((r) => String(r[period.dimension]) === v) })).filter((e) => e.row);
    if (!rows.length) {
      value.textContent = "No published figure for this selection.";
      return;
    }
    const latest = rows[rows.length - 1];
    const latestCell = cell(latest.row, measure.metric);
    value.append(element("span", { className: "headline-period", text: `${period.label} ${latest.period}: ` }));
    if (latestCell.status === "shown") {
      value.append(element("strong", { "data-value": String(latestCell.value), text: format(latestCell.value, measure.unit) }));
    } else {
      value.append(element("span", { className: "suppressed-marker", text: "suppressed" }));
    }
    // A calendar year that holds the release's as-of date is counted only up to about that date.
    const asOf = state.catalog.as_of ? String(state.catalog.as_of) : "";
    const partYear = /^\d{4}$/.test(latest.period) && asOf.startsWith(`${latest.period}-`) && !asOf.endsWith("-12-31");
    $("headline-note").textContent = partYear
      ? `${latest.period} is a part year: it counts only up to about the release's as-of date, ${asOf}.`
      : "";
    const previous = rows[rows.length - 2];
    if (!previous) {
      change.textContent = "There is no earlier period to compare with.";
      return;
    }
    const previousCell = cell(previous.row, measure.metric);
    if (latestCell.status !== "shown" || previousCell.status !== "shown") {
      change.textContent = `No change is shown: the figure for ${previous.period} or ${latest.period} is suppressed.`;
      return;
    }
    const difference = latestCell.value - previousCell.value;
    const direction = difference > 0 ? "up" : difference < 0 ? "down" : "unchanged";
    const amount = measure.unit === "proportion" ? `${NUMBER.format(Math.abs(difference) * 100)} percentage points` : NUMBER.format(Math.abs(difference));
    change.textContent =
      `${direction === "unchanged" ? "Unchanged" : `${direction === "up" ? "Up" : "Down"} ${amount}`} from ` +
      `${format(previousCell.value, measure.unit)} in ${previous.period} (the difference of the two published figures).`;
  }

  async function renderRecidivism(charts) {
    const period = periodDimension();
    const followup = dimension(FOLLOWUP);
    const mine = generation;
    // Which (release year, follow-up) cells the release has at all: a cell absent there has incomplete follow-up.
    let observable = null;
    try {
      const total = await run({ dims: [], filters: new Map(), metrics: ["record_count"] });
      observable = new Set(total.rows.map((r) => `${r[period.dimension]}|${r[FOLLOWUP]}`));
    } catch (_) {
      observable = null;
    }
    const absence = (year, years) =>
      observable && !observable.has(`${year}|${years}`) ? "follow-up not complete" : "no releases";
    const seriesValues = followup.values.map((v) => `${v}-year`);
    const figures = RECIDIVISM_MEASURES.filter(metric).map(async (name) => {
      const measure = metric(name);
      const answer = await figure(charts, {
        name: `rates-${name}`,
        title: `${measure.label} at 1, 2 and 3 years, by ${period.label.toLowerCase()}${filterSummary()}`,
        help: plain(measure.description),
        description: `Grouped bar chart of the ${measure.label.toLowerCase()} by release year and follow-up; the numbers are in the table below it.`,
        query: { dims: [], filters: baseFilters(), metrics: [name] },
        categoryTitle: period.label,
        valueTitle: measure.label,
        seriesTitle: followup.label,
        seriesValues,
        unit: measure.unit,
        absent: "follow-up not complete",
        rowsOf: (body) =>
          period.values.flatMap((year) =>
            followup.values.map((years) => {
              const row = body.rows.find((r) => String(r[period.dimension]) === year && String(r[FOLLOWUP]) === years);
              const found = cell(row, name);
              return { label: year, series: `${years}-year`, ...found, status: row ? found.status : absence(year, years) };
            }),
          ),
      });
      if (name === "reincarceration_rate" && mine === generation) renderRecidivismHeadline(answer, measure, period);
    });
    await Promise.all(figures);
  }

  function renderRecidivismHeadline(answer, measure, period) {
    // The 1-year rate of the latest release year that has one, beside the year before.
    const oneYear = answer ? { ...answer, rows: answer.rows.filter((r) => String(r[FOLLOWUP]) === "1") } : null;
    renderHeadline(oneYear, { ...measure, label: `1-year ${measure.label.toLowerCase()}` }, period);
  }

  async function renderBreakdowns(charts) {
    const period = periodDimension();
    const measure = currentMeasure();
    const filters = baseFilters();
    const periodValue = state.period || (period ? period.values[period.values.length - 1] : "");
    const followupValue = dimension(FOLLOWUP) ? state.followup || "1" : "";
    const partitionFilters = new Map();
    if (period && periodValue) partitionFilters.set(period.dimension, periodValue);
    if (followupValue) partitionFilters.set(FOLLOWUP, followupValue);
    const names = [...(BREAKDOWNS[state.cohort.cohort] || []), ...OFFENSE_BREAKDOWNS];
    const heading = element("h2", { className: "breakdowns-heading", text: `Breakdowns: ${period ? `${period.label} ${periodValue}` : ""}${followupValue ? `, ${followupValue}-year follow-up` : ""}` });
    charts.append(heading);
    const seen = new Set();
    const figures = [];
    for (const name of names) {
      const dim = dimension(name);
      if (!dim || dim.is_partition || seen.has(name) || filters.has(name) || !allowed(dim)) continue;
      seen.add(name);
      if (filters.size + 1 > state.cohort.max_dimensions) {
        charts.append(element("p", { className: "hint", text: `Breakdown by ${dim.label.toLowerCase()}: remove a filter to see it (a view combines at most ${state.cohort.max_dimensions} dimensions).` }));
        continue;
      }
      figures.push(figure(charts, {
        name: `by-${name}`,
        title: `${measure.label} by ${dim.label.toLowerCase()}${filterSummary()}`,
        help: `${dim.label}: ${plain(dim.description)}`,
        description: `Bar chart of ${measure.label.toLowerCase()} by ${dim.label.toLowerCase()}; the numbers are in the table below it.`,
        query: { dims: [name], filters: new Map([...partitionFilters, ...filters]), metrics: [measure.metric] },
        categoryTitle: dim.label,
        valueTitle: measure.label,
        unit: measure.unit,
        horizontal: true,
        absent: "no records",
        rowsOf: (body) => dim.values.filter((v) => body.rows.some((r) => r[name] === v)).map((v) => ({ label: v, ...cell(body.rows.find((r) => r[name] === v), measure.metric) })),
      }));
    }
    await Promise.all(figures); // each chart's box is in place already: the answers are asked for together
  }

  let generation = 0;
  async function render() {
    generation += 1;
    const mine = generation;
    figureCount = 0;
    document.body.dataset.ready = "false";
    renderFilters();
    const charts = $("charts");
    charts.replaceChildren();
    charts.setAttribute("aria-busy", "true");
    const top = element("div", { className: "trend" });
    const rest = element("div", { className: "breakdowns" });
    charts.append(top, rest);
    await Promise.all([
      isRecidivism() ? renderRecidivism(top) : periodDimension() ? renderTrend(top) : null,
      renderBreakdowns(rest),
    ]);
    if (mine !== generation) return;
    charts.removeAttribute("aria-busy");
    document.body.dataset.ready = "true";
  }

  function fail(message) {
    $("dashboard-error").textContent = message;
    $("dashboard-error").hidden = false;
    document.body.dataset.ready = "true";
  }

  async function start() {
    const name = window.location.pathname.replace(/\/+$/, "").split("/").pop();
    try {
      state.catalog = await loadCatalog();
    } catch (error) {
      fail(`The catalog could not be loaded: ${error.message}`);
      return;
    }
    state.cohort = state.catalog.cohorts.find((c) => c.cohort === name);
    if (!state.cohort) {
      fail(`The current release publishes no ${name.replace(/_/g, " ")} cohort.`);
      return;
    }
    document.title = `${state.cohort.label}: Cross-Tracking dashboard`;
    $("page-title").textContent = state.cohort.label;
    $("dashboard-description").textContent = plain(state.cohort.description);
    const info = [state.catalog.as_of && `Data as of ${state.catalog.as_of}`, state.catalog.published_at && `published ${String(state.catalog.published_at).replace("T", " ").slice(0, 16)}`].filter(Boolean);
    $("release-info").textContent = info.join(", ");
    $("release-info").hidden = !info.length;
    $("filters").hidden = false;
    $("clear-filters").addEventListener("click", () => {
      state.filters.clear();
      pushState();
      render();
    });
    window.addEventListener("popstate", () => {
      restore();
      render();
    });
    restore();
    await render();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
