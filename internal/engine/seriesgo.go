package engine

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Go implementations of the series functions that carry state along a
// series (filters, fills) or compute several statistics at once.

func init() {
	udfs = append(udfs,
		jsonUDF("kql_series_stats", 2, func(v []any) (any, error) { return seriesStats(v[0]), nil }),
		jsonUDF("kql_series_fit_line", 1, func(v []any) (any, error) { return seriesFitLine(v[0]), nil }),
		jsonUDF("kql_series_fit_2lines", 1, func(v []any) (any, error) { return seriesFit2Lines(v[0]), nil }),
		jsonUDF("kql_series_fit_poly", 3, func(v []any) (any, error) { return seriesFitPoly(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_series_pearson", 2, func(v []any) (any, error) { return seriesPearson(v[0], v[1]), nil }),
		jsonUDF("kql_series_fir", 4, func(v []any) (any, error) { return seriesFIR(v[0], v[1], v[2] != false, v[3] == true), nil }),
		jsonUDF("kql_series_iir", 3, func(v []any) (any, error) { return seriesIIR(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_series_fill", 4, func(v []any) (any, error) { return seriesFill(v[0], v[1].(string), v[2], v[3]), nil }),
		jsonUDF("kql_series_fill_linear", 4, func(v []any) (any, error) { return seriesFillLinear(v[0], v[1], v[2], v[3]), nil }),
		jsonUDF("kql_series_decompose_anomalies", 7, func(v []any) (any, error) {
			return seriesDecomposeAnomalies(v[0], v[1], v[2], v[3], v[4], v[5], v[6]), nil
		}),
		jsonUDF("kql_series_decompose", 5, func(v []any) (any, error) { return seriesDecompose(v[0], v[1], v[2], v[3], v[4]), nil }),
		jsonUDF("kql_series_decompose_forecast", 5, func(v []any) (any, error) {
			return seriesDecomposeForecast(v[0], v[1], v[2], v[3], v[4]), nil
		}),
		jsonUDF("kql_series_periods_detect", 4, func(v []any) (any, error) { return seriesPeriodsDetect(v[0], v[1], v[2], v[3]), nil }),
		jsonUDF("kql_series_periods_validate", -1, func(v []any) (any, error) { return seriesPeriodsValidate(v), nil }),
		jsonUDF("kql_series_outliers", 5, func(v []any) (any, error) { return seriesOutliers(v[0], v[1], v[2], v[3], v[4]), nil }),
	)
}

// floats reads a series: elements that are not numbers are NaN.
func floats(v any) ([]float64, bool) {
	a, ok := asArray(v)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = math.NaN()
		if n, ok := x.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				out[i] = f
			}
		}
	}
	return out, true
}

// jsonFloats writes a series: NaN and infinities, which JSON cannot
// hold, become null.
func jsonFloats(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out[i] = x
		}
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// seriesStats is series_stats_dynamic: min and max (with their first
// index), average, sample standard deviation and variance, sum and count
// of the numeric elements.
func seriesStats(v any) any {
	xs, ok := floats(v)
	if !ok {
		return nil
	}
	out := map[string]any{"min": nil, "min_idx": nil, "max": nil, "max_idx": nil, "avg": nil, "stdev": nil, "variance": nil, "sum": nil, "len": 0}
	var n, sum, sumSq float64
	minI, maxI := -1, -1
	for i, x := range xs {
		if !finite(x) {
			continue
		}
		n++
		sum += x
		sumSq += x * x
		if minI < 0 || x < xs[minI] {
			minI = i
		}
		if maxI < 0 || x > xs[maxI] {
			maxI = i
		}
	}
	out["len"] = len(xs)
	if n == 0 {
		return out
	}
	avg := sum / n
	out["min"], out["min_idx"], out["max"], out["max_idx"] = xs[minI], minI, xs[maxI], maxI
	out["avg"], out["sum"] = avg, sum
	if n > 1 {
		variance := (sumSq - n*avg*avg) / (n - 1)
		out["variance"], out["stdev"] = variance, math.Sqrt(variance)
	} else {
		out["variance"], out["stdev"] = 0.0, 0.0
	}
	return out
}

// lineFit is a least-squares line through ys at x = x0, x0+1, ...: its
// slope and interception, the fitted values, R², and the sample
// variances of ys and of the residuals.
type lineFit struct {
	slope, icpt, rsq, variance, rvariance float64
	fit                                   []float64
	ssr, sst                              float64
}

func fitLine(ys []float64, x0 int) lineFit {
	n := float64(len(ys))
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(x0 + i)
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	var l lineFit
	if d := n*sxx - sx*sx; d != 0 {
		l.slope = (n*sxy - sx*sy) / d
	}
	l.icpt = (sy - l.slope*sx) / n
	mean := sy / n
	l.fit = make([]float64, len(ys))
	for i, y := range ys {
		l.fit[i] = l.icpt + l.slope*float64(x0+i)
		l.sst += (y - mean) * (y - mean)
		l.ssr += (y - l.fit[i]) * (y - l.fit[i])
	}
	l.rsq = 1.0
	if l.sst != 0 {
		l.rsq = 1 - l.ssr/l.sst
	}
	if n > 1 {
		l.variance, l.rvariance = l.sst/(n-1), l.ssr/(n-1)
	}
	return l
}

// seriesFitLine is series_fit_line_dynamic, x counting from 1.
func seriesFitLine(v any) any {
	ys, ok := floats(v)
	if !ok || len(ys) == 0 {
		return nil
	}
	l := fitLine(ys, 1)
	return map[string]any{"rsquare": l.rsq, "slope": l.slope, "variance": l.variance, "rvariance": l.rvariance,
		"interception": l.icpt, "line_fit": jsonFloats(l.fit)}
}

// seriesFit2Lines is series_fit_2lines_dynamic: the series split in two
// where a line through each part fits best (the highest R² of both
// together; each part at least two points), x counting from 1;
// split_idx is the index where the right part starts.
func seriesFit2Lines(v any) any {
	ys, ok := floats(v)
	if !ok || len(ys) < 4 {
		return nil
	}
	var mean float64
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	var sst float64
	for _, y := range ys {
		sst += (y - mean) * (y - mean)
	}
	best, bestRsq := -1, math.Inf(-1)
	var left, right lineFit
	for k := 2; k <= len(ys)-2; k++ {
		l, r := fitLine(ys[:k], 1), fitLine(ys[k:], k+1)
		rsq := 1.0
		if sst != 0 {
			rsq = 1 - (l.ssr+r.ssr)/sst
		}
		if rsq > bestRsq {
			best, bestRsq, left, right = k, rsq, l, r
		}
	}
	n := float64(len(ys))
	out := map[string]any{"rsquare": bestRsq, "split_idx": best, "variance": sst / (n - 1),
		"rvariance": (left.ssr + right.ssr) / (n - 1), "line_fit": jsonFloats(append(append([]float64(nil), left.fit...), right.fit...))}
	for side, l := range map[string]lineFit{"left": left, "right": right} {
		out[side+"_rsquare"], out[side+"_slope"], out[side+"_interception"] = l.rsq, l.slope, l.icpt
		out[side+"_variance"], out[side+"_rvariance"] = l.variance, l.rvariance
	}
	return out
}

// seriesFitPoly is series_fit_poly_dynamic: the least-squares polynomial
// of the degree given (1 by default) through ys at xs (1, 2, ... when
// not given), by the normal equations; coefficients from the highest
// power down.
func seriesFitPoly(yv, xv, degv any) any {
	ys, ok := floats(yv)
	if !ok || len(ys) == 0 {
		return nil
	}
	xs := make([]float64, len(ys))
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	if given, ok := floats(xv); ok {
		if len(given) != len(ys) {
			return nil
		}
		xs = given
	}
	deg := 1
	if d, ok := asInt(degv); ok {
		deg = int(d)
	}
	if deg < 1 || deg > 6 || deg >= len(ys) {
		return nil
	}
	// Normal equations A c = b over powers 0..deg, solved by Gaussian
	// elimination with partial pivoting.
	m := deg + 1
	a := make([][]float64, m)
	for r := range a {
		a[r] = make([]float64, m+1)
		for c := 0; c < m; c++ {
			for _, x := range xs {
				a[r][c] += math.Pow(x, float64(r+c))
			}
		}
		for i, x := range xs {
			a[r][m] += ys[i] * math.Pow(x, float64(r))
		}
	}
	for col := 0; col < m; col++ {
		p := col
		for r := col + 1; r < m; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		a[col], a[p] = a[p], a[col]
		if a[col][col] == 0 {
			return nil
		}
		for r := 0; r < m; r++ {
			if r != col {
				f := a[r][col] / a[col][col]
				for c := col; c <= m; c++ {
					a[r][c] -= f * a[col][c]
				}
			}
		}
	}
	coef := make([]float64, m)
	for i := range coef {
		coef[i] = a[i][m] / a[i][i]
	}
	var mean float64
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	fit := make([]float64, len(ys))
	var sst, ssr float64
	for i, x := range xs {
		for p := m - 1; p >= 0; p-- {
			fit[i] = fit[i]*x + coef[p]
		}
		sst += (ys[i] - mean) * (ys[i] - mean)
		ssr += (ys[i] - fit[i]) * (ys[i] - fit[i])
	}
	rsq, n := 1.0, float64(len(ys))
	if sst != 0 {
		rsq = 1 - ssr/sst
	}
	high := make([]float64, m)
	for i := range coef {
		high[i] = coef[m-1-i]
	}
	var variance, rvariance float64
	if n > 1 {
		variance, rvariance = sst/(n-1), ssr/(n-1)
	}
	return map[string]any{"rsquare": rsq, "coefficients": jsonFloats(high), "variance": variance,
		"rvariance": rvariance, "poly_fit": jsonFloats(fit)}
}

func seriesPearson(av, bv any) any {
	xs, ok1 := floats(av)
	ys, ok2 := floats(bv)
	if !ok1 || !ok2 || len(xs) != len(ys) || len(xs) < 2 {
		return nil
	}
	n := float64(len(xs))
	var sx, sy, sxx, syy, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		syy += ys[i] * ys[i]
		sxy += xs[i] * ys[i]
	}
	d := math.Sqrt(n*sxx-sx*sx) * math.Sqrt(n*syy-sy*sy)
	if d == 0 || !finite(d) {
		return nil
	}
	return (n*sxy - sx*sy) / d
}

// seriesFIR applies a finite impulse response filter: each output is the
// dot product of the filter with the current and preceding values (or,
// centered, the values around it), divided by the filter's sum when
// normalizing.
func seriesFIR(xv, fv any, normalize, center bool) any {
	xs, ok1 := floats(xv)
	fs, ok2 := floats(fv)
	if !ok1 || !ok2 || len(fs) == 0 {
		return nil
	}
	div := 1.0
	if normalize {
		div = 0
		for _, f := range fs {
			div += f
		}
		if div == 0 {
			div = 1
		}
	}
	shift := 0
	if center {
		shift = len(fs) / 2
	}
	out := make([]float64, len(xs))
	for i := range xs {
		sum := 0.0
		for j, f := range fs {
			k := i - j + shift
			if k >= 0 && k < len(xs) {
				sum += f * xs[k]
			}
		}
		out[i] = sum / div
	}
	return jsonFloats(out)
}

// seriesIIR applies an infinite impulse response filter with numerator
// b and denominator a: a0*y[n] = sum b[k]*x[n-k] - sum a[k]*y[n-k], k >= 1.
func seriesIIR(xv, bv, av any) any {
	xs, ok1 := floats(xv)
	bs, ok2 := floats(bv)
	as, ok3 := floats(av)
	if !ok1 || !ok2 || !ok3 || len(as) == 0 || as[0] == 0 {
		return nil
	}
	ys := make([]float64, len(xs))
	for n := range xs {
		sum := 0.0
		for k, b := range bs {
			if n-k >= 0 {
				sum += b * xs[n-k]
			}
		}
		for k := 1; k < len(as); k++ {
			if n-k >= 0 {
				sum -= as[k] * ys[n-k]
			}
		}
		ys[n] = sum / as[0]
	}
	return jsonFloats(ys)
}

// seriesFill replaces missing values (null, or the placeholder given):
// forward with the last value before, backward with the next one, const
// with a constant. p1 and p2 are the functions' arguments after the
// series: the placeholder for forward and backward, which take no other
// (p2 is null); the constant and the placeholder for const.
func seriesFill(xv any, mode string, p1, p2 any) any {
	a, ok := asArray(xv)
	if !ok {
		return nil
	}
	missingArg := p1
	if mode == "const" {
		missingArg = p2
	}
	missing := isMissing(missingArg)
	out := append([]any(nil), a...)
	switch mode {
	case "forward":
		var last any
		for i, x := range out {
			if missing(x) {
				out[i] = last
			} else {
				last = x
			}
		}
	case "backward":
		var next any
		for i := len(out) - 1; i >= 0; i-- {
			if missing(out[i]) {
				out[i] = next
			} else {
				next = out[i]
			}
		}
	case "const":
		for i, x := range out {
			if missing(x) {
				out[i] = p1
			}
		}
	}
	return out
}

// isMissing reports whether a series element is missing: null, or equal
// to placeholder when there is one.
func isMissing(placeholder any) func(x any) bool {
	if placeholder == nil {
		return func(x any) bool { return x == nil }
	}
	return func(x any) bool { return x == nil || jsonEqualValues(x, placeholder) }
}

// seriesFillLinear is series_fill_linear: missing values (null, or
// placeholder) are interpolated between the values around them; those
// before the first value and after the last take the nearest value
// unless edges is false; a series with no value at all is filled with
// constant (0 unless given; null keeps the nulls). A series of integers
// alone gets its interpolated values rounded, as Kusto documents.
func seriesFillLinear(xv, placeholder, edges, constant any) any {
	a, ok := asArray(xv)
	if !ok {
		return nil
	}
	missing := isMissing(placeholder)
	out := append([]any(nil), a...)
	first, last := -1, -1
	integers := true
	for i, x := range out {
		if !missing(x) {
			if first < 0 {
				first = i
			}
			last = i
			integers = integers && isIntegerNumber(x)
		}
	}
	if first < 0 {
		for i := range out {
			out[i] = constant
		}
		return out
	}
	if edges != false {
		for i := 0; i < first; i++ {
			out[i] = out[first]
		}
		for i := last + 1; i < len(out); i++ {
			out[i] = out[last]
		}
	}
	prev := first
	for i := first + 1; i <= last; i++ {
		if missing(out[i]) {
			continue
		}
		p, _ := asNumber(out[prev])
		q, _ := asNumber(out[i])
		for k := prev + 1; k < i; k++ {
			v := p + (q-p)*float64(k-prev)/float64(i-prev)
			if integers {
				out[k] = json.Number(strconv.FormatFloat(math.Round(v), 'f', -1, 64))
			} else {
				out[k] = v
			}
		}
		prev = i
	}
	return out
}

// isIntegerNumber reports whether x is a JSON number written as an
// integer (an int or long element, not a real).
func isIntegerNumber(x any) bool {
	n, ok := x.(json.Number)
	return ok && !strings.ContainsAny(string(n), ".eE")
}

func asNumber(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// seriesOutliers scores each point by Tukey's test: 0 between the low
// and high percentiles (25 and 75 for kind "tukey"; 10 and 90 or those
// given for "ctukey", the default), otherwise the distance beyond them
// in units of the range between them, negative below; so a score beyond
// ±1.5 is outside Tukey's fences. Nulls and ignoreVal score 0.
func seriesOutliers(xv, kind, ignoreVal, minP, maxP any) any {
	xs, ok := floats(xv)
	if !ok {
		return nil
	}
	if f, ok := asNumber(ignoreVal); ok {
		for i, x := range xs {
			if x == f {
				xs[i] = math.NaN()
			}
		}
	}
	lo, hi := 10.0, 90.0
	if kind == "tukey" {
		lo, hi = 25, 75
	} else {
		if f, ok := asNumber(minP); ok {
			lo = f
		}
		if f, ok := asNumber(maxP); ok {
			hi = f
		}
	}
	return jsonFloats(outlierScores(xs, lo, hi))
}

// outlierScores is the scoring of seriesOutliers for the percentile
// range lo..hi; NaN values score 0.
func outlierScores(xs []float64, lo, hi float64) []float64 {
	var vals []float64
	for _, x := range xs {
		if finite(x) {
			vals = append(vals, x)
		}
	}
	out := make([]float64, len(xs))
	if len(vals) == 0 {
		return out
	}
	sort.Float64s(vals)
	q := func(p float64) float64 {
		pos := p / 100 * float64(len(vals)-1)
		i := int(pos)
		if i+1 >= len(vals) {
			return vals[len(vals)-1]
		}
		return vals[i] + (vals[i+1]-vals[i])*(pos-float64(i))
	}
	q1, q3 := q(lo), q(hi)
	iqr := q3 - q1
	for i, x := range xs {
		switch {
		case !finite(x) || iqr == 0:
			out[i] = 0
		case x < q1:
			out[i] = (x - q1) / iqr
		case x > q3:
			out[i] = (x - q3) / iqr
		}
	}
	return out
}

// decomposition is a series split as series_decompose splits it.
type decomposition struct {
	baseline, seasonal, trend, residual []float64
}

// decompose splits xs in Kusto's order: the seasonal part first (per
// phase of the period, the median of the values; period -1 detects one,
// 0 has none), then the trend of what the seasons leave (the average, a
// fitted line, or none); the baseline is their sum and the residual what
// the baseline leaves. Only the first learn points are learned from; the
// baseline of the rest is extrapolated, which is how forecasts are made.
func decompose(xs []float64, period int, trendKind string, learn int, seasonTh float64) decomposition {
	if period < 0 {
		// Detect on the series less its trend, so a rising series is
		// not taken for one long period.
		detrended := make([]float64, learn)
		for i, t := range fitTrend(xs[:learn], trendKind, learn) {
			detrended[i] = xs[i] - t
		}
		period = detectPeriod(detrended, seasonTh)
	}
	seasonal := make([]float64, len(xs))
	if period > 1 {
		for phase := 0; phase < period; phase++ {
			var vals []float64
			for k := phase; k < learn; k += period {
				if finite(xs[k]) {
					vals = append(vals, xs[k])
				}
			}
			m := median(vals)
			for k := phase; k < len(xs); k += period {
				seasonal[k] = m
			}
		}
	}
	deseasoned := make([]float64, len(xs))
	for i, x := range xs {
		deseasoned[i] = x - seasonal[i]
	}
	d := decomposition{seasonal: seasonal, trend: fitTrend(deseasoned, trendKind, learn),
		baseline: make([]float64, len(xs)), residual: make([]float64, len(xs))}
	for i, x := range xs {
		d.baseline[i] = seasonal[i] + d.trend[i]
		d.residual[i] = x - d.baseline[i]
	}
	return d
}

// fitTrend is the trend of xs learned from its first learn points: their
// average ("avg"), their least-squares line ("linefit") or zero ("none").
func fitTrend(xs []float64, kind string, learn int) []float64 {
	trend := make([]float64, len(xs))
	switch kind {
	case "avg":
		var sum, n float64
		for _, x := range xs[:learn] {
			if finite(x) {
				sum += x
				n++
			}
		}
		if n > 0 {
			for i := range trend {
				trend[i] = sum / n
			}
		}
	case "linefit":
		var n, sx, sy, sxx, sxy float64
		for i, y := range xs[:learn] {
			if finite(y) {
				x := float64(i)
				n++
				sx += x
				sy += y
				sxx += x * x
				sxy += x * y
			}
		}
		slope := 0.0
		if d := n*sxx - sx*sx; d != 0 {
			slope = (n*sxy - sx*sy) / d
		}
		icpt := 0.0
		if n > 0 {
			icpt = (sy - slope*sx) / n
		}
		for i := range trend {
			trend[i] = icpt + slope*float64(i)
		}
	}
	return trend
}

// decomposeArgs reads the arguments series_decompose and its relatives
// share: the series, the seasonality (-1 by default), the trend kind
// (def when not given), the test points and the seasonality threshold.
func decomposeArgs(xv, seasonv, trendv, testv, seasonThv any, def string) (xs []float64, period int, trend string, learn int, seasonTh float64, ok bool) {
	xs, ok = floats(xv)
	if !ok {
		return
	}
	period = -1
	if n, ok := asInt(seasonv); ok {
		period = int(n)
	}
	trend, _ = trendv.(string)
	if trend == "" {
		trend = def
	}
	learn = len(xs)
	if n, ok := asInt(testv); ok && n > 0 && int(n) < len(xs) {
		learn = len(xs) - int(n)
	}
	seasonTh = 0.6
	if f, ok := asNumber(seasonThv); ok {
		seasonTh = f
	}
	return xs, period, trend, learn, seasonTh, true
}

// seriesDecompose is series_decompose, as a bag of its four series.
func seriesDecompose(xv, seasonv, trendv, testv, seasonThv any) any {
	xs, period, trend, learn, seasonTh, ok := decomposeArgs(xv, seasonv, trendv, testv, seasonThv, "avg")
	if !ok {
		return nil
	}
	d := decompose(xs, period, trend, learn, seasonTh)
	return map[string]any{"baseline": jsonFloats(d.baseline), "seasonal": jsonFloats(d.seasonal),
		"trend": jsonFloats(d.trend), "residual": jsonFloats(d.residual)}
}

// seriesDecomposeForecast is series_decompose_forecast: the baseline
// learned from all but the last points points, which it forecasts; the
// trend is a fitted line unless told otherwise.
func seriesDecomposeForecast(xv, pointsv, seasonv, trendv, seasonThv any) any {
	xs, period, trend, learn, seasonTh, ok := decomposeArgs(xv, seasonv, trendv, pointsv, seasonThv, "linefit")
	if !ok {
		return nil
	}
	return jsonFloats(decompose(xs, period, trend, learn, seasonTh).baseline)
}

// seriesDecomposeAnomalies is series_decompose_anomalies: the residual
// of series_decompose scored as series_outliers scores (ctukey's 10th
// and 90th percentiles, or tukey's 25th and 75th); a score beyond
// threshold flags an anomaly, +1 up and -1 down.
func seriesDecomposeAnomalies(xv, thv, seasonv, trendv, testv, methodv, seasonThv any) any {
	xs, period, trend, learn, seasonTh, ok := decomposeArgs(xv, seasonv, trendv, testv, seasonThv, "avg")
	if !ok {
		return nil
	}
	threshold := 1.5
	if f, ok := asNumber(thv); ok {
		threshold = f
	}
	d := decompose(xs, period, trend, learn, seasonTh)
	lo, hi := 10.0, 90.0
	if methodv == "tukey" {
		lo, hi = 25, 75
	}
	scores := outlierScores(d.residual, lo, hi)
	flags := make([]any, len(xs))
	for i, s := range scores {
		switch {
		case s > threshold:
			flags[i] = json.Number("1")
		case s < -threshold:
			flags[i] = json.Number("-1")
		default:
			flags[i] = json.Number("0")
		}
	}
	return map[string]any{"ad_flag": flags, "ad_score": jsonFloats(scores), "baseline": jsonFloats(d.baseline)}
}

// autocorrelation is the correlation of xs with itself lag points later,
// over the pairs the lag leaves, scaled to the whole length; nulls are
// skipped. It is 0 for a series without variance.
func autocorrelation(xs []float64, lag int) float64 {
	var mean, n float64
	for _, x := range xs {
		if finite(x) {
			mean += x
			n++
		}
	}
	if n < 4 || lag <= 0 || lag >= len(xs) {
		return 0
	}
	mean /= n
	var variance, sum float64
	for i, x := range xs {
		if !finite(x) {
			continue
		}
		variance += (x - mean) * (x - mean)
		if i+lag < len(xs) && finite(xs[i+lag]) {
			sum += (x - mean) * (xs[i+lag] - mean)
		}
	}
	if variance == 0 {
		return 0
	}
	return sum / variance * float64(len(xs)) / float64(len(xs)-lag)
}

// detectPeriod finds the period of a series by autocorrelation: of the
// lags from 2 to half the length whose correlation reaches threshold,
// the shortest within 10% of the best, so a period wins over its
// multiples; 0 when none reaches threshold.
func detectPeriod(xs []float64, threshold float64) int {
	r := make([]float64, len(xs)/2+1)
	best := threshold
	for lag := 2; lag < len(r); lag++ {
		r[lag] = autocorrelation(xs, lag)
		best = max(best, r[lag])
	}
	for lag := 2; lag < len(r); lag++ {
		if r[lag] >= threshold && r[lag] >= 0.9*best {
			return lag
		}
	}
	return 0
}

// seriesPeriodsDetect is series_periods_detect: of the lags from
// minPeriod to maxPeriod (at most half the series), the local maxima of
// the autocorrelation with a positive score, best first (the shorter of
// equal scores first), at most num of them.
func seriesPeriodsDetect(xv, minv, maxv, numv any) any {
	xs, ok := floats(xv)
	lo, ok1 := asNumber(minv)
	hi, ok2 := asNumber(maxv)
	num, ok3 := asInt(numv)
	if !ok || !ok1 || !ok2 || !ok3 {
		return nil
	}
	first, last := max(2, int(math.Ceil(lo))), min(len(xs)/2, int(math.Floor(hi)))
	r := map[int]float64{}
	for lag := first - 1; lag <= last+1; lag++ {
		r[lag] = autocorrelation(xs, lag)
	}
	type cand struct {
		period int
		score  float64
	}
	var cands []cand
	for lag := first; lag <= last; lag++ {
		if r[lag] > 0 && r[lag] >= r[lag-1] && r[lag] >= r[lag+1] {
			cands = append(cands, cand{lag, min(r[lag], 1)})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	periods, scores := []any{}, []any{}
	for i := 0; i < len(cands) && i < int(num); i++ {
		periods = append(periods, float64(cands[i].period))
		scores = append(scores, cands[i].score)
	}
	return map[string]any{"periods": periods, "scores": scores}
}

// seriesPeriodsValidate is series_periods_validate: each given period
// with its autocorrelation score, clamped to 0..1.
func seriesPeriodsValidate(v []any) any {
	xs, ok := floats(v[0])
	if !ok {
		return nil
	}
	periods, scores := []any{}, []any{}
	for _, pv := range v[1:] {
		p, ok := asNumber(pv)
		if !ok {
			continue
		}
		periods = append(periods, p)
		scores = append(scores, math.Max(0, math.Min(1, autocorrelation(xs, int(math.Round(p))))))
	}
	return map[string]any{"periods": periods, "scores": scores}
}

func median(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
