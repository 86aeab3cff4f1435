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
// font URL of go-echarts' asset host ever reaches a page. Every chart
// reads its values from a grid, the same cells its table and CSV show.

// localAssets is where a month page finds ECharts; the option JSON does
// not use it, but a go-echarts page rendered from these charts would.
const localAssets = "../assets/"

// areaColour is the colour of the i-th summary area, from the Okabe–Ito
// palette that colour-blind readers can tell apart; all regions together
// are always blue.
func areaColour(i int) string {
	palette := [...]string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"}
	return palette[i%len(palette)]
}

const (
	targetColour   = "#6b6b6b"
	gemeenteColour = "#7a9cc6"
	// glidePrefix starts the name of every glide-path line: a line of
	// levels, not of published counts (the disclosure test knows it).
	glidePrefix = "Koerslijn "
)

// Chart formats: how dashboard.js shows the values of a chart.
const (
	formatPercent = "percent"
	formatCount   = "count"
	formatDays    = "days"
)

// formatOf is the chart format of a measure's cells.
func formatOf(g *grid, m int) string {
	for r := range g.rows {
		for s := range g.series {
			switch g.at(r, s, m).kind {
			case kindRatio, kindShareLevel:
				return formatPercent
			case kindMedian:
				return formatDays
			case kindCount, kindCountLevel:
				return formatCount
			}
		}
	}
	return formatCount
}

// chartSpec draws a grid. option returns "" when nothing may be drawn.
type chartSpec interface {
	option(g *grid) (string, error)
	format(g *grid) string
	height(g *grid) int
}

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

// lineStyle is how a measure's lines are drawn.
type lineStyle int

const (
	lineSolid  lineStyle = iota // the published figure
	lineDashed                  // a second published figure (outflow beside inflow)
	lineGlide                   // a glide path: thin, dashed, no points
)

// lineMeasure is a measure drawn as one line per series.
type lineMeasure struct {
	measure int
	style   lineStyle
	// prefix and suffix name the line around the series name.
	prefix, suffix string
}

// lineChart draws measures over the rows (report months): a line per
// series and measure, the 2027 target as a line where it is the same
// for every series.
type lineChart struct {
	lines  []lineMeasure
	target *float64
}

func (c lineChart) format(g *grid) string { return formatOf(g, c.lines[0].measure) }
func (c lineChart) height(*grid) int      { return 340 }

func (c lineChart) option(g *grid) (string, error) {
	percent := c.format(g) == formatPercent
	y := opts.YAxis{Type: "value", Min: 0}
	if percent {
		y.Max = 1
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		initOpts(c.height(g)),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "24", Top: "56", Bottom: "32", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(y),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", BoundaryGap: opts.Bool(false)}),
	)
	labels := make([]string, len(g.rows))
	for r, rh := range g.rows {
		labels[r] = rh.short
		if labels[r] == "" {
			labels[r] = rh.label
		}
	}
	line.SetXAxis(labels)
	drawn := 0
	for s, sh := range g.series {
		for _, lm := range c.lines {
			data := make([]opts.LineData, len(g.rows))
			some := false
			for r := range g.rows {
				v := g.at(r, s, lm.measure).chartValue()
				data[r] = opts.LineData{Value: v}
				if v != "-" {
					some = true
				}
			}
			if !some {
				continue
			}
			var so []charts.SeriesOpts
			switch lm.style {
			case lineGlide:
				so = []charts.SeriesOpts{
					charts.WithLineStyleOpts(opts.LineStyle{Color: sh.colour, Width: 1.5, Type: "dashed", Opacity: opts.Float(0.8)}),
					charts.WithItemStyleOpts(opts.ItemStyle{Color: sh.colour}),
					charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
				}
			default:
				style := opts.LineStyle{Color: sh.colour, Width: 3}
				symbol := "circle"
				if lm.style == lineDashed {
					style.Type, style.Width, symbol = "dotted", 2.5, "triangle"
				}
				so = []charts.SeriesOpts{
					charts.WithLineStyleOpts(style),
					charts.WithItemStyleOpts(opts.ItemStyle{Color: sh.colour}),
					charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true), Symbol: symbol, SymbolSize: 6}),
				}
			}
			if drawn == 0 && c.target != nil {
				so = append(so,
					charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "Doel 2027", YAxis: *c.target}),
					charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
						Symbol:    []string{"none", "none"},
						LineStyle: &opts.LineStyle{Color: targetColour, Type: "dotted", Width: 2},
						Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "Doel 2027"},
					}),
				)
			}
			line.AddSeries(lm.prefix+sh.name+lm.suffix, data, so...)
			drawn++
		}
	}
	if drawn == 0 {
		return "", nil
	}
	return optionJSON(line)
}

// rowBars draws one measure of the first series per row as horizontal
// bars (a comparison of areas), the 2027 target as a line. A withheld
// municipality has no bar (the section names it); a withheld region
// keeps its bar's place, its label saying what stands in the table.
type rowBars struct {
	measure int
	target  *float64
}

func (c rowBars) format(g *grid) string { return formatOf(g, c.measure) }

func (c rowBars) drawn(g *grid) []int {
	var rs []int
	for r, rh := range g.rows {
		if g.at(r, 0, c.measure).value != nil || !rh.sub {
			rs = append(rs, r)
		}
	}
	return rs
}

func (c rowBars) height(g *grid) int { return 60 + 22*len(c.drawn(g)) }

func (c rowBars) option(g *grid) (string, error) {
	rows := c.drawn(g)
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		initOpts(c.height(g)),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "40", Top: "16", Bottom: "24", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
	)
	labels := make([]string, len(rows))
	data := make([]opts.BarData, len(rows))
	for i, r := range rows {
		cl := g.at(r, 0, c.measure)
		labels[i] = g.rows[r].label
		if cl.value == nil {
			labels[i] += " (" + cl.display(g.threshold) + ")"
		}
		data[i] = opts.BarData{Value: cl.chartValue(), ItemStyle: &opts.ItemStyle{Color: g.rows[r].colour}}
	}
	bar.SetXAxis(labels)
	so := []charts.SeriesOpts{charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"})}
	if c.target != nil {
		so = append(so,
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "Doel 2027", XAxis: *c.target}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: targetColour, Type: "dotted", Width: 2},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "Doel"},
			}),
		)
	}
	bar.AddSeries("Waarde", data, so...)
	bar.XYReversal()
	return optionJSON(bar)
}

// barRef is one bar per category of a grouped bar chart: a series'
// measure.
type barRef struct{ series, measure int }

// groupedBars draws the rows (but totals) as categories with a bar per
// barRef, named by the series or, where all bars share one series, by
// the measure.
type groupedBars struct {
	bars []barRef
	// colours, when set, colour the bars in order; else each series its
	// own colour.
	colours []string
}

func (c groupedBars) format(g *grid) string { return formatOf(g, c.bars[0].measure) }
func (c groupedBars) height(*grid) int      { return 320 }

func (c groupedBars) option(g *grid) (string, error) {
	percent := c.format(g) == formatPercent
	y := opts.YAxis{Type: "value"}
	if percent {
		y.Min, y.Max = 0, 1
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		initOpts(c.height(g)),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "40", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(y),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}),
	)
	var cats []string
	var rows []int
	for r, rh := range g.rows {
		if !rh.total {
			cats = append(cats, rh.label)
			rows = append(rows, r)
		}
	}
	bar.SetXAxis(cats)
	oneSeries := true
	for _, b := range c.bars {
		if b.series != c.bars[0].series {
			oneSeries = false
		}
	}
	some := false
	for i, b := range c.bars {
		name, colour := g.series[b.series].name, g.series[b.series].colour
		if oneSeries {
			name = g.measures[b.measure].name
		}
		if i < len(c.colours) {
			colour = c.colours[i]
		}
		data := make([]opts.BarData, len(rows))
		for j, r := range rows {
			v := g.at(r, b.series, b.measure).chartValue()
			data[j] = opts.BarData{Value: v}
			if v != "-" {
				some = true
			}
		}
		bar.AddSeries(name, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}),
		)
	}
	if !some {
		return "", nil
	}
	return optionJSON(bar)
}

// sankeyChart draws the route to placement of one klantroutes grid: one
// column per stage, a link per published flow; withheld flows are not
// drawn. A node's label carries its published count, since its drawn
// height leaves out its withheld links. A node without a drawn link is
// left out (a zero-height bar's label collides with its neighbours'):
// left lists them, so that the page can name them.
type sankeyChart struct {
	stages []stage
}

func (sankeyChart) format(*grid) string { return formatCount }
func (sankeyChart) height(*grid) int    { return 460 }

func (c sankeyChart) option(g *grid) (string, error) {
	opt, _, err := c.draw(g)
	return opt, err
}

func (c sankeyChart) draw(g *grid) (opt string, left []string, err error) {
	nodeRow := map[[2]int]int{}
	for r, rh := range g.rows {
		if rh.route != nil && rh.route.to < 0 {
			nodeRow[[2]int{rh.route.stage, rh.route.from}] = r
		}
	}
	name := func(s, cat int) string {
		return c.stages[s].Cats[cat].Label + " (" + g.at(nodeRow[[2]int{s, cat}], 0, 0).display(g.threshold) + ")"
	}
	var links []opts.SankeyLink
	drawn := map[string]bool{}
	for r, rh := range g.rows {
		if rh.route == nil || rh.route.to < 0 {
			continue
		}
		v := g.at(r, 0, 0).value
		if v == nil {
			continue
		}
		from, to := name(rh.route.stage, rh.route.from), name(rh.route.stage+1, rh.route.to)
		links = append(links, opts.SankeyLink{Source: from, Target: to, Value: float32(*v)})
		drawn[from], drawn[to] = true, true
	}
	if len(links) == 0 {
		return "", nil, nil
	}
	var nodes []opts.SankeyNode
	for s, st := range c.stages {
		for i, cat := range st.Cats {
			n := name(s, i)
			if !drawn[n] {
				left = append(left, n)
				continue
			}
			d := s
			nodes = append(nodes, opts.SankeyNode{Name: n, Depth: &d, ItemStyle: &opts.ItemStyle{Color: cat.Colour}})
		}
	}
	sk := charts.NewSankey()
	sk.SetGlobalOptions(
		initOpts(c.height(g)),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	sk.AddSeries("Klantroute", nodes, links,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Curveness: 0.5, Opacity: opts.Float(0.35)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) {
			s.NodeAlign = "left" // with explicit depths: a node without outgoing links stays in its stage
			s.Left, s.Right, s.Top, s.Bottom = "2%", "18%", "16", "16"
		}),
	)
	opt, err = optionJSON(sk)
	return opt, left, err
}
