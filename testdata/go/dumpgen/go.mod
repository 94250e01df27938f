module goscope.dev/dumpgen

go 1.22
