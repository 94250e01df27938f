module goscope.dev/benchgen

go 1.22
