#pragma once
// Pieces of the Prometheus text exposition format 0.0.4, shared by the registry and its tests.
// https://prometheus.io/docs/instrumenting/exposition_formats/
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigil::metrics {

/// Shortest round-trip decimal form; `+Inf`, `-Inf` and `NaN` as Prometheus spells them.
std::string format_value(double v);
/// HELP text: `\` -> `\\`, newline -> `\n`.
std::string escape_help(std::string_view s);
/// Label value: `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
std::string escape_label_value(std::string_view s);
/// `{a="x",b="y"}`, or nothing when there are no labels. `extra` (e.g. `le`) goes last.
std::string format_labels(const std::vector<std::string>& names,
                          const std::vector<std::string>& values,
                          const std::pair<std::string_view, std::string_view>* extra = nullptr);

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
bool valid_metric_name(std::string_view name);
/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
bool valid_label_name(std::string_view name);

}  // namespace sigil::metrics
