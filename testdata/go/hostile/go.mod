module goscope.dev/hostile

go 1.22
