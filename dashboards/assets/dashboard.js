// Zo Thuis Monitor dashboard: starts every chart from the option in its
// data-option attribute (written by the Go package dashboards), in the
// system's light or dark colours, and redraws the charts to the page
// width for printing. It loads nothing; ECharts comes from echarts.min.js.
(function () {
  'use strict';
  var dark = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  var print = window.matchMedia ? window.matchMedia('print') : null;
  var charts = [];
  var printing = false;
  // A4 portrait minus the @page margins, in CSS pixels.
  var printWidth = 700;

  function percent(v) {
    if (v === null || v === undefined || v === '-' || isNaN(v)) { return '–'; }
    return Math.round(v * 100) + '%';
  }
  function plain(v) {
    if (v === null || v === undefined || v === '-' || isNaN(v)) { return '–'; }
    return String(v);
  }
  function days(v) {
    if (v === null || v === undefined || v === '-' || isNaN(v)) { return '–'; }
    return String(v) + ' dagen';
  }
  function eachAxis(a, fn) {
    if (!a) { return; }
    (Array.isArray(a) ? a : [a]).forEach(fn);
  }

  function prepare(opt, format) {
    var fmt = format === 'percent' ? percent : format === 'days' ? days : plain;
    opt.backgroundColor = 'transparent';
    opt.tooltip = opt.tooltip || {};
    opt.tooltip.valueFormatter = fmt;
    [opt.xAxis, opt.yAxis].forEach(function (axes) {
      eachAxis(axes, function (ax) {
        // go-echarts writes the label interval as a string; ECharts wants a number.
        if (ax.axisLabel && typeof ax.axisLabel.interval === 'string' && /^[0-9]+$/.test(ax.axisLabel.interval)) {
          ax.axisLabel.interval = Number(ax.axisLabel.interval);
        }
        if (ax.type === 'value') {
          ax.axisLabel = ax.axisLabel || {};
          ax.axisLabel.formatter = fmt;
        }
      });
    });
    (opt.series || []).forEach(function (s) {
      if (s.label && s.label.show && s.type !== 'sankey') {
        s.label.formatter = function (p) {
          var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
          return (v === '-' || v === null || v === undefined) ? '' : fmt(v);
        };
      }
      if (s.markLine && s.markLine.label) {
        var name = s.markLine.label.formatter;
        s.markLine.label.formatter = function (p) { return name + ': ' + fmt(p.value); };
      }
    });
    opt.aria = { enabled: true };
    return opt;
  }

  function start() {
    if (typeof echarts === 'undefined') { return; }
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var theme = (!printing && dark && dark.matches) ? 'dark' : null;
    var nodes = document.querySelectorAll('[data-option]');
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var opt = prepare(JSON.parse(el.getAttribute('data-option')), el.getAttribute('data-format'));
      var c = echarts.init(el, theme, {
        renderer: 'svg', locale: 'NL',
        width: printing ? printWidth : undefined
      });
      c.setOption(opt);
      fitToBox(el);
      charts.push(c);
    }
  }

  // A viewBox lets the drawing scale with its box, so print CSS can fit it
  // to the page even where no beforeprint event redraws it.
  function fitToBox(el) {
    var svg = el.querySelector('svg');
    if (svg) {
      svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + svg.getAttribute('height'));
      svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
    }
  }
  function resize() {
    charts.forEach(function (c) { c.resize(); fitToBox(c.getDom()); });
  }
  function beforePrint() { if (!printing) { printing = true; start(); } }
  function afterPrint() { if (printing) { printing = false; start(); } }

  document.addEventListener('DOMContentLoaded', start);
  window.addEventListener('resize', function () { if (!printing) { resize(); } });
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
  if (print && print.addEventListener) {
    print.addEventListener('change', function (e) { if (e.matches) { beforePrint(); } else { afterPrint(); } });
  }
  if (dark && dark.addEventListener) {
    dark.addEventListener('change', function () { if (!printing) { start(); } });
  }
})();
