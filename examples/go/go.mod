module example.com/claw

// Tested with the Go on the project's machines (go1.26.8); uses nothing newer than 1.26.
go 1.26
