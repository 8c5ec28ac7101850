package idp

import (
	"github.com/prometheus/client_golang/prometheus"

	"eulogin/internal/audit"
)

// Metrics are the Prometheus metrics of the identity provider.
type Metrics struct {
	Registry   *prometheus.Registry
	events     *prometheus.CounterVec
	mailSent   prometheus.Counter
	mailFailed prometheus.Counter
	requests   *prometheus.CounterVec
}

// NewMetrics registers the metrics in reg (a new registry when nil).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		Registry:   reg,
		events:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eulogin_security_events_total", Help: "Security events by type."}, []string{"type"}),
		mailSent:   prometheus.NewCounter(prometheus.CounterOpts{Name: "eulogin_mail_sent_total", Help: "E-mails handed to the mail sender."}),
		mailFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "eulogin_mail_failed_total", Help: "E-mails the sender refused."}),
		requests:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eulogin_http_requests_total", Help: "HTTP requests by status class."}, []string{"class"}),
	}
	reg.MustRegister(m.events, m.mailSent, m.mailFailed, m.requests)
	return m
}

func (m *Metrics) event(kind audit.Kind) { m.events.WithLabelValues(string(kind)).Inc() }
