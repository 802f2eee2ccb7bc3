// Send the CSRF token with every htmx request (the cookie is HttpOnly; the page carries the value).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
});

// "Fill in the form" buttons carry the values as data-<field name> attributes (no inline script).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-prefill]");
  if (!button) { return; }
  var form = button.closest("form");
  Object.keys(button.dataset).forEach(function (key) {
    if (key === "prefill") { return; }
    var field = form && form.querySelector('[name="' + key + '"]');
    if (field && button.dataset[key] !== "") { field.value = button.dataset[key]; }
  });
});

// After a failed submit the page comes back with the error: bring it into view where the user is.
document.addEventListener("DOMContentLoaded", function () {
  var problem = document.querySelector("[data-error-here]") || document.querySelector(".is-invalid");
  if (problem && problem.scrollIntoView) {
    problem.scrollIntoView({block: "center"});
    if (problem.focus) { problem.focus({preventScroll: true}); }
    return;
  }
  // Otherwise a result the user asked for (e.g. a preview further down the page).
  var result = document.querySelector("[data-scroll-here]");
  if (result && result.scrollIntoView) { result.scrollIntoView({block: "start"}); }
});

// "Go back" buttons (a javascript: URL would be refused by the content security policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-history-back]")) { history.back(); }
});

// Charts (ECharts, vendored): each [data-chart] names a <script type="application/json"> block holding
// {title, labels, unit, unit2, series: [{name, type: "bar"|"line", axis: 0|1, values: ["1.23"|null]}]}.
// Data blocks are not executed, so the content security policy (script-src 'self') allows them.
(function () {
  var drawn = [];
  function number(value) { return value === null ? null : Number(value); }
  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var axes = [{type: "value", name: data.unit, nameTextStyle: {align: "left"}, axisLabel: {hideOverlap: true}}];
    if (data.unit2) {
      axes.push({type: "value", name: data.unit2, position: "right", nameTextStyle: {align: "right"}, splitLine: {show: false}});
    }
    // The legend wraps onto more lines on a narrow screen: pack its items as ECharts does (greedily, by
    // estimated width) to know how many lines, and leave room for them.
    var room = Math.max(120, element.clientWidth - 20), legendRows = 1, used = 0;
    data.series.forEach(function (s) {
      var width = 37;
      for (var i = 0; i < s.name.length; i++) { width += s.name.charCodeAt(i) > 255 ? 12.5 : 7.5; }
      if (used > 0 && used + width > room) { legendRows += 1; used = 0; }
      used += width + 12;
    });
    if (legendRows > 1) { element.style.height = (element.clientHeight + 26 * (legendRows - 1)) + "px"; }  // CSSOM, not an inline style attribute
    var chart = window.echarts.init(element, null, {renderer: "svg"});
    chart.setOption({
      animationDuration: 300,
      color: ["#0d6efd", "#fd7e14", "#198754", "#6f42c1"],
      tooltip: {trigger: "axis", confine: true},
      legend: {top: 0, left: "center", itemGap: 12},
      grid: {left: 4, right: 4, top: 34 + 26 * legendRows, bottom: 4, containLabel: true},
      xAxis: {type: "category", data: data.labels, axisLabel: {hideOverlap: true}},
      yAxis: axes,
      series: data.series.map(function (s) {
        return {name: s.name, type: s.type, yAxisIndex: s.axis, data: s.values.map(number), barMaxWidth: 18,
                smooth: s.type === "line", connectNulls: false, symbolSize: 5};
      })
    });
    element.setAttribute("data-chart-drawn", "true");
    drawn.push(chart);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();

// Parts of a form shown only for some choices: data-show-when="name=value1,value2" (a radio group or select).
(function () {
  function chosen(form, name) {
    var field = form.querySelector('[name="' + name + '"]:checked') || form.querySelector('select[name="' + name + '"]');
    return field ? field.value : "";
  }
  function update(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (part) {
      var rule = part.getAttribute("data-show-when").split("=");
      var shown = rule[1].split(",").indexOf(chosen(form, rule[0])) !== -1;
      part.classList.toggle("d-none", !shown);
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.querySelector("[data-show-when]")) { update(form); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when]")) { update(form); }
    });
  });
})();

// A field that becomes required for an industry says so before submitting: the industry select carries
// data-required-by-industry (industry → the form fields its row of the 划型 table needs, from
// standards/sme_size.py) and data-industry-hints; fields marked data-required-base keep their own rule.
(function () {
  function apply(select) {
    var form = select.form;
    if (!form) { return; }
    var table = JSON.parse(select.getAttribute("data-required-by-industry") || "{}");
    var needed = table[select.value] || [];
    form.querySelectorAll("[data-required-base]").forEach(function (field) {
      var required = field.getAttribute("data-required-base") === "true" || needed.indexOf(field.name) !== -1;
      field.required = required;
      field.setAttribute("aria-required", required ? "true" : "false");
      var mark = form.querySelector('[data-required-mark="' + field.name + '"]');
      if (mark) { mark.classList.toggle("d-none", !required); }
    });
    var hint = form.querySelector("[data-industry-hint]");
    var hints = JSON.parse(select.getAttribute("data-industry-hints") || "{}");
    if (hint && hints[select.value]) { hint.textContent = hints[select.value]; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-required-by-industry]")) { apply(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-required-by-industry]").forEach(apply);
  });
})();
