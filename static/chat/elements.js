/* Elements beyond htmx: the side panel and charts. plotly.js (4.8 MB) is loaded only when
   a chart is on the page, from the URL the element names. (Code is highlighted on the
   server.) No framework. */
(function () {
  "use strict";

  var ELEMENT_PAGE = /\/elements\/[0-9a-f-]{36}\/$/;
  var plotly = null;  // the promise of the library, once asked for
  var opener = null;  // what had the focus before the panel opened

  // -- charts ------------------------------------------------------------------------------
  function loadPlotly(src) {
    if (!plotly) {
      plotly = loadScript(src, "Plotly");
      plotly.catch(function () { plotly = null; });
    }
    return plotly;
  }

  function say(chart, text) {
    var p = document.createElement("p");
    p.className = "element__loading";
    p.textContent = text;
    chart.replaceChildren(p);
  }

  function drawCharts() {
    var charts = document.querySelectorAll("[data-plotly]:not([data-drawn])");
    if (!charts.length) return;
    charts.forEach(function (chart) { chart.dataset.drawn = "pending"; });
    loadPlotly(charts[0].dataset.plotlySrc).then(function (Plotly) {
      charts.forEach(function (chart) {
        if (!chart.isConnected) return;
        var source = document.getElementById(chart.dataset.plotly);
        var figure;
        try { figure = JSON.parse(source.textContent); } catch (error) {
          say(chart, window.chatStrings ? window.chatStrings("chartUnreadable", "This chart could not be read.") : "This chart could not be read.");
          return;
        }
        chart.dataset.drawn = "true";
        chart.replaceChildren();
        var layout = figure.layout || {};
        layout.autosize = true;
        var config = Object.assign({ responsive: true, displaylogo: false }, figure.config);
        Plotly.newPlot(chart, figure.data || [], layout, config);
      });
    }, function () {
      charts.forEach(function (chart) {
        delete chart.dataset.drawn;
        say(chart, window.chatStrings ? window.chatStrings("chartMissing", "The chart library could not be loaded.") : "The chart library could not be loaded.");
      });
    });
  }

  function loadScript(src, global) {
    return new Promise(function (resolve, reject) {
      if (window[global]) { resolve(window[global]); return; }
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () { resolve(window[global]); };
      script.onerror = function () { reject(new Error(src + " did not load")); };
      document.head.appendChild(script);
    });
  }

  function enhance() { drawCharts(); }

  // -- the side panel ---------------------------------------------------------------------
  function panel() { return document.getElementById("element-panel"); }

  function openPanel(url, link) {
    var aside = panel();
    opener = link;
    htmx.ajax("GET", url, { target: aside, swap: "innerHTML" }).then(function () {
      aside.hidden = false;
      document.body.classList.add("element-panel-open");
      var title = document.getElementById("element-panel-title");
      if (title) title.focus();
      enhance();
    });
  }

  function closePanel() {
    var aside = panel();
    if (!aside || aside.hidden) return;
    aside.hidden = true;
    aside.replaceChildren();
    document.body.classList.remove("element-panel-open");
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-element-panel]")) { closePanel(); return; }
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest("a[href]");
    if (!link) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || !ELEMENT_PAGE.test(url.pathname)) return;
    if (url.searchParams.get("display") === "side" && panel()) {
      event.preventDefault();
      openPanel(url.pathname, link);
    } else if (link.target === "_blank") {
      // Names in an answer link to their element's page: open it here, as Chainlit does.
      event.preventDefault();
      window.location.assign(url.href);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel() && !panel().hidden) closePanel();
  });

  // The assistant opens or closes the panel itself (cl.ElementSidebar): the page follows,
  // without taking the focus from what the user is doing.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var aside = panel();
    if (!aside || !aside.hasAttribute("data-sidebar")) return;
    document.body.classList.toggle("element-panel-open", !aside.hidden);
  });

  ["htmx:wsAfterMessage", "htmx:afterSwap", "DOMContentLoaded"].forEach(function (name) {
    document.addEventListener(name, enhance);
  });
})();
