// Package sidecar is the host of the s3append binary: it reads the
// configuration file (service, sources, outputs), starts one engine
// instance per output (the plugin's own out_s3append, options parsed by
// conf), routes each source's batches to the outputs whose match takes
// their tag, and runs the process's life: readiness, metrics, shutdown.
// Sources live in packages of their own under source/.
package sidecar
