// Replaced by the flame graph.
const goscopeWebPlaceholder = true;
