module goscope.dev/httpprobe

go 1.22
