module goscope.dev/persist

go 1.22
