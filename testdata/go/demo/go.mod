module goscope.dev/demo

go 1.22
