package dashboards

import (
	"encoding/json"
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// The charts are built with go-echarts for their options only: the pages
// are our own templates, which load ECharts from ../assets/ and start
// every chart from its option (see assets/dashboard.js), so no script or
// font URL of go-echarts' asset host ever reaches a page.

// localAssets is where a month page finds ECharts; the option JSON does
// not use it, but a go-echarts page rendered from these charts would.
const localAssets = "../assets/"

// Colours of the areas, from the Okabe–Ito palette that colour-blind
// readers can tell apart; all regions together are always blue.
var areaColours = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"}

const (
	targetColour = "#6b6b6b"
	goodColour   = "#0072B2"
	muted        = "#8c8c8c"
)

func initOpts(height int) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{
		Width: "100%", Height: fmt.Sprintf("%dpx", height), Renderer: "svg", AssetsHost: localAssets,
	})
}

// optionJSON turns a go-echarts chart into the option object ECharts'
// setOption takes.
func optionJSON(c interface {
	Validate()
	JSON() map[string]interface{}
}) (string, error) {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return "", fmt.Errorf("chart option: %w", err)
	}
	return string(b), nil
}

func val(v *float64) interface{} {
	if v == nil {
		return "-" // ECharts' empty value: no point, no bar
	}
	return *v
}

func countVal(c count) interface{} {
	if c.Value == nil {
		return "-"
	}
	return *c.Value
}

// trendSeries is one area's line in a trend chart.
type trendSeries struct {
	Name   string
	Colour string
	Values []*float64 // per month; nil where withheld or after the report month
	Glide  []*float64 // the glide path per month; nil without one
}

// trendChart draws one KPI over the report months: a line per area, its
// glide path dashed in the same colour, and the 2027 target.
func trendChart(labels []string, series []trendSeries, target *float64) (string, error) {
	line := charts.NewLine()
	line.SetGlobalOptions(
		initOpts(340),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "24", Top: "56", Bottom: "32", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 1}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", BoundaryGap: opts.Bool(false)}),
	)
	line.SetXAxis(labels)
	for i, s := range series {
		data := make([]opts.LineData, len(s.Values))
		for j, v := range s.Values {
			data[j] = opts.LineData{Value: val(v)}
		}
		sopts := []charts.SeriesOpts{
			charts.WithLineStyleOpts(opts.LineStyle{Color: s.Colour, Width: 3}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Colour}),
			charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 6}),
		}
		if i == 0 && target != nil {
			sopts = append(sopts,
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "Doel 2027", YAxis: *target}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
					Symbol:    []string{"none", "none"},
					LineStyle: &opts.LineStyle{Color: targetColour, Type: "dotted", Width: 2},
					Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "Doel 2027"},
				}),
			)
		}
		line.AddSeries(s.Name, data, sopts...)
		if s.Glide == nil {
			continue
		}
		glide := make([]opts.LineData, len(s.Glide))
		for j, v := range s.Glide {
			glide[j] = opts.LineData{Value: val(v)}
		}
		line.AddSeries("Koerslijn "+s.Name, glide,
			charts.WithLineStyleOpts(opts.LineStyle{Color: s.Colour, Width: 1.5, Type: "dashed", Opacity: opts.Float(0.8)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Colour}),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		)
	}
	return optionJSON(line)
}

// barItem is one bar of a comparison.
type barItem struct {
	Label  string
	Value  *float64
	Colour string
}

// comparisonChart draws one KPI per area as horizontal bars, the 2027
// target as a line. A withheld area has no bar; its label says why.
func comparisonChart(items []barItem, target *float64) (string, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		initOpts(60+22*len(items)),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "40", Top: "16", Bottom: "24", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
	)
	labels := make([]string, len(items))
	data := make([]opts.BarData, len(items))
	for i, it := range items {
		labels[i] = it.Label
		data[i] = opts.BarData{Value: val(it.Value), ItemStyle: &opts.ItemStyle{Color: it.Colour}}
	}
	bar.SetXAxis(labels)
	sopts := []charts.SeriesOpts{
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}),
	}
	if target != nil {
		sopts = append(sopts,
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "Doel 2027", XAxis: *target}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: targetColour, Type: "dotted", Width: 2},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "Doel"},
			}),
		)
	}
	bar.AddSeries("Waarde", data, sopts...)
	bar.XYReversal()
	return optionJSON(bar)
}

// groupedBarChart draws counts or shares per category (x) and series.
func groupedBarChart(categories []string, names []string, colours []string, values [][]interface{}, percent bool) (string, error) {
	bar := charts.NewBar()
	y := opts.YAxis{Type: "value"}
	if percent {
		y.Min, y.Max = 0, 1
	}
	bar.SetGlobalOptions(
		initOpts(320),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "40", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(y),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}),
	)
	bar.SetXAxis(categories)
	for i, n := range names {
		data := make([]opts.BarData, len(values[i]))
		for j, v := range values[i] {
			data[j] = opts.BarData{Value: v}
		}
		bar.AddSeries(n, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colours[i%len(colours)]}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}),
		)
	}
	return optionJSON(bar)
}

// sankeyChart draws the route to placement of one area: one column per
// stage, links as published; withheld links are not drawn. A node's label
// carries its published count, since a node's drawn height leaves out
// its withheld links. It returns "" when no link can be drawn, and the
// labels of the steps it leaves out because none of their links may be
// drawn, so that the page can name them.
func sankeyChart(stages []stage, pub map[string]count, threshold int) (string, []string, error) {
	name := func(s int, c category) string {
		return c.Label + " (" + countText(pub[nodeKey(s, c.ID)], threshold) + ")"
	}
	s := charts.NewSankey()
	s.SetGlobalOptions(
		initOpts(460),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	var nodes []opts.SankeyNode
	var links []opts.SankeyLink
	drawn := map[string]bool{}
	for i := 0; i+1 < len(stages); i++ {
		for _, a := range stages[i].Cats {
			for _, b := range stages[i+1].Cats {
				c := pub[linkKey(i, a.ID, b.ID)]
				if c.Value == nil || *c.Value == 0 {
					continue
				}
				from, to := name(i, a), name(i+1, b)
				links = append(links, opts.SankeyLink{Source: from, Target: to, Value: float32(*c.Value)})
				drawn[from], drawn[to] = true, true
			}
		}
	}
	if len(links) == 0 {
		return "", nil, nil
	}
	// A node without a drawn link would be a zero-height bar whose label
	// collides with its neighbours'; the table lists it, and the page
	// names it under the chart.
	var left []string
	for i, st := range stages {
		for _, c := range st.Cats {
			n := name(i, c)
			if !drawn[n] {
				left = append(left, n)
				continue
			}
			d := i
			nodes = append(nodes, opts.SankeyNode{Name: n, Depth: &d, ItemStyle: &opts.ItemStyle{Color: c.Colour}})
		}
	}
	s.AddSeries("Klantroute", nodes, links,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Curveness: 0.5, Opacity: opts.Float(0.35)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) {
			s.NodeAlign = "left" // with explicit depths: a node without outgoing links stays in its stage
			s.Left, s.Right, s.Top, s.Bottom = "2%", "18%", "16", "16"
		}),
	)
	opt, err := optionJSON(s)
	return opt, left, err
}
