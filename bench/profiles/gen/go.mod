module goscope.dev/profilegen

go 1.22
