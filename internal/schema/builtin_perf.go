package schema

// Perf, with the columns of the public Azure Monitor table of the same
// name: performance counters of hosts. OTLP host metrics (the
// OpenTelemetry Collector's hostmetrics receiver) map into it.
func init() {
	register(&Table{Name: "Perf", Columns: []Column{
		{Name: "BucketEndTime", Type: DateTime, Description: "End of the aggregation bucket."},
		{Name: "BucketStartTime", Type: DateTime, Description: "Start of the aggregation bucket."},
		{Name: "Computer", Type: String, Description: "Computer that the event was collected from."},
		{Name: "CounterName", Type: String, Description: "Name of the performance counter."},
		{Name: "CounterPath", Type: String, Description: "Full path of the counter in the form \\\\<Computer>\\object(instance)\\counter."},
		{Name: "CounterValue", Type: Real, Description: "Value of the counter (the average, for an aggregated sample)."},
		{Name: "InstanceName", Type: String, Description: "Name of the event instance. Empty if no instance."},
		{Name: "Max", Type: Real, Description: "Largest value of the aggregated samples."},
		{Name: "MG", Type: String, Description: "Management group for Operations Manager agents."},
		{Name: "Min", Type: Real, Description: "Smallest value of the aggregated samples."},
		{Name: "ObjectName", Type: String, Description: "Name of the performance object."},
		{Name: "SampleCount", Type: Int, Description: "Number of samples aggregated into the value."},
		{Name: "SourceSystem", Type: String, Description: "Type of agent the data was collected by."},
		{Name: "StandardDeviation", Type: Real, Description: "Standard deviation of the aggregated samples."},
		{Name: "_ResourceId", Type: String, Hidden: true, Description: "Unique identifier of the resource the record is associated with."},
	}})
}
