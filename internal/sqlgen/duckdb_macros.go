package sqlgen

// Macros are SQL helpers for conversions Kusto defines and DuckDB
// spells differently. The spellings of this file use them; the engine
// creates them in each database it queries.
var Macros = []string{
	`CREATE OR REPLACE MACRO kql_datetime_str(t) AS CASE WHEN epoch_us(t) % 1000000 = 0 THEN strftime(t, '%Y-%m-%dT%H:%M:%SZ') ELSE strftime(t, '%Y-%m-%dT%H:%M:%S.%f') || '0Z' END`,
	`CREATE OR REPLACE MACRO kql_timespan_str(x) AS CASE WHEN x IS NULL THEN NULL ELSE
		(CASE WHEN x < 0 THEN '-' ELSE '' END) ||
		(CASE WHEN abs(x) >= 864000000000 THEN CAST(abs(x) // 864000000000 AS VARCHAR) || '.' ELSE '' END) ||
		lpad(CAST((abs(x) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':' ||
		lpad(CAST((abs(x) // 600000000) % 60 AS VARCHAR), 2, '0') || ':' ||
		lpad(CAST((abs(x) // 10000000) % 60 AS VARCHAR), 2, '0') ||
		(CASE WHEN abs(x) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(x) % 10000000 AS VARCHAR), 7, '0') ELSE '' END) END`,
	// kql_datetime_json is a datetime as dynamic values hold it.
	`CREATE OR REPLACE MACRO kql_datetime_json(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%f') || '0Z'`,
	// kql_distinct keeps the first of equal elements, in order.
	`CREATE OR REPLACE MACRO kql_distinct(l) AS list_filter(l, (_x, _i) -> list_position(l, _x) = _i)`,
	`CREATE OR REPLACE MACRO kql_real_str(r) AS CASE WHEN isfinite(r) AND r = trunc(r) AND abs(r) < 1e15 THEN CAST(CAST(r AS BIGINT) AS VARCHAR) ELSE CAST(r AS VARCHAR) END`,
	`CREATE OR REPLACE MACRO kql_totimespan(s) AS CASE WHEN regexp_matches(s, '^-?(\d+\.)?\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,7})?)?$') THEN
		(CASE WHEN starts_with(s, '-') THEN -1 ELSE 1 END) * (
		coalesce(TRY_CAST(regexp_extract(s, '^-?(\d+)\.\d+:', 1) AS BIGINT), 0) * 864000000000 +
		CAST(regexp_extract(s, '(\d+):\d+', 1) AS BIGINT) * 36000000000 +
		CAST(regexp_extract(s, '\d+:(\d+)', 1) AS BIGINT) * 600000000 +
		coalesce(TRY_CAST(regexp_extract(s, '\d+:\d+:(\d+)', 1) AS BIGINT), 0) * 10000000 +
		coalesce(TRY_CAST(rpad(regexp_extract(s, ':\d+\.(\d+)$', 1), 7, '0') AS BIGINT), 0))
		WHEN regexp_matches(s, '^-?\d+(\.\d+)?[a-z]+$') THEN CAST(round(CAST(regexp_extract(s, '^-?\d+(\.\d+)?') AS DOUBLE) *
		CASE regexp_extract(s, '[a-z]+$') WHEN 'd' THEN 864000000000 WHEN 'day' THEN 864000000000 WHEN 'days' THEN 864000000000
		WHEN 'h' THEN 36000000000 WHEN 'hr' THEN 36000000000 WHEN 'hrs' THEN 36000000000 WHEN 'hour' THEN 36000000000 WHEN 'hours' THEN 36000000000
		WHEN 'm' THEN 600000000 WHEN 'min' THEN 600000000 WHEN 'mins' THEN 600000000 WHEN 'minute' THEN 600000000 WHEN 'minutes' THEN 600000000
		WHEN 's' THEN 10000000 WHEN 'sec' THEN 10000000 WHEN 'secs' THEN 10000000 WHEN 'second' THEN 10000000 WHEN 'seconds' THEN 10000000
		WHEN 'ms' THEN 10000 WHEN 'milli' THEN 10000 WHEN 'millis' THEN 10000 WHEN 'millisecond' THEN 10000 WHEN 'milliseconds' THEN 10000
		WHEN 'us' THEN 10 WHEN 'micro' THEN 10 WHEN 'micros' THEN 10 WHEN 'microsecond' THEN 10 WHEN 'microseconds' THEN 10
		WHEN 'tick' THEN 1 WHEN 'ticks' THEN 1 END) AS BIGINT) END`,
	// kql_countof counts the occurrences of p in s, overlapping ones
	// too, as Kusto's countof does for plain text.
	`CREATE OR REPLACE MACRO kql_countof(s, p) AS CASE WHEN length(p) = 0 THEN 0 ELSE
		CAST(len(list_filter(range(1, length(s) - length(p) + 2), _i -> substr(s, _i, length(p)) = p)) AS BIGINT) END`,
}
