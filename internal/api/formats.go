package api

// The ingestion formats the generic ingestion endpoint serves: each
// format package registers itself with internal/ingest when imported.
import (
	_ "vigil/internal/ingest/azure"
	_ "vigil/internal/ingest/storagelog"
	_ "vigil/internal/ingest/syslog"
	_ "vigil/internal/ingest/winevent"
)
