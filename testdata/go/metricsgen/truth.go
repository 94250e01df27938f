package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// truthSeries is one dto.Metric of a gathered registry, as the registry itself holds it
// (before any exposition format): what a reader of any of the three formats must get
// back. Floats are strings in Go's shortest 'g' form ("+Inf", "NaN" as such).
type truthSeries struct {
	Family      string      `json:"family"`
	Type        string      `json:"type"`
	Help        string      `json:"help"`
	Unit        string      `json:"unit"`
	Labels      []string    `json:"labels"`
	Value       *string     `json:"value"`
	Count       *string     `json:"count"`
	Sum         *string     `json:"sum"`
	Buckets     [][2]string `json:"buckets"`
	Quantiles   [][2]string `json:"quantiles"`
	TimestampMs *int64      `json:"timestampMs"`
	Native      bool        `json:"native"`
}

func gfloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func ptr(s string) *string { return &s }

// writeTruth writes one JSON line per series the registry gathers (-truth with -write).
func writeTruth(file string, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			s := truthSeries{Family: mf.GetName(), Type: typeName(mf.GetType()), Help: mf.GetHelp(), Unit: mf.GetUnit(), Labels: []string{}, Buckets: [][2]string{}, Quantiles: [][2]string{}}
			for _, lp := range m.Label {
				s.Labels = append(s.Labels, lp.GetName(), lp.GetValue())
			}
			if m.TimestampMs != nil {
				t := m.GetTimestampMs()
				s.TimestampMs = &t
			}
			switch {
			case m.Counter != nil:
				s.Value = ptr(gfloat(m.Counter.GetValue()))
			case m.Gauge != nil:
				s.Value = ptr(gfloat(m.Gauge.GetValue()))
			case m.Untyped != nil:
				s.Value = ptr(gfloat(m.Untyped.GetValue()))
			case m.Summary != nil:
				s.Count = ptr(strconv.FormatUint(m.Summary.GetSampleCount(), 10))
				s.Sum = ptr(gfloat(m.Summary.GetSampleSum()))
				for _, q := range m.Summary.Quantile {
					s.Quantiles = append(s.Quantiles, [2]string{gfloat(q.GetQuantile()), gfloat(q.GetValue())})
				}
			case m.Histogram != nil:
				h := m.Histogram
				s.Count = ptr(strconv.FormatUint(h.GetSampleCount(), 10))
				s.Sum = ptr(gfloat(h.GetSampleSum()))
				for _, b := range h.Bucket {
					s.Buckets = append(s.Buckets, [2]string{gfloat(b.GetUpperBound()), strconv.FormatUint(b.GetCumulativeCount(), 10)})
				}
				s.Native = h.Schema != nil
			}
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
	}
	return f.Close()
}

func typeName(t dto.MetricType) string {
	switch t {
	case dto.MetricType_COUNTER:
		return "counter"
	case dto.MetricType_GAUGE:
		return "gauge"
	case dto.MetricType_SUMMARY:
		return "summary"
	case dto.MetricType_HISTOGRAM:
		return "histogram"
	case dto.MetricType_GAUGE_HISTOGRAM:
		return "gaugehistogram"
	case dto.MetricType_UNTYPED:
		return "untyped"
	}
	return fmt.Sprint(t)
}
