#include "sigil/metrics/registry.hpp"

#include <algorithm>

#include "sigil/base/result.hpp"
#include "sigil/metrics/text_format.hpp"

namespace sigil::metrics {
namespace {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void render_sample(std::string& out, std::string_view name, const std::string& labels, double v) {
  out += name;
  out += labels;
  out += ' ';
  out += format_value(v);
  out += '\n';
}

void render_series(std::string& out, const FamilyBase& f, const std::vector<std::string>& values,
                   const Counter& c) {
  render_sample(out, f.name(), format_labels(f.label_names(), values), c.value());
}

void render_series(std::string& out, const FamilyBase& f, const std::vector<std::string>& values,
                   const Gauge& g) {
  render_sample(out, f.name(), format_labels(f.label_names(), values), g.value());
}

void render_series(std::string& out, const FamilyBase& f, const std::vector<std::string>& values,
                   const Histogram& h) {
  Histogram::Snapshot s = h.snapshot();
  const std::string bucket = f.name() + "_bucket";
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    std::string le = i < s.upper_bounds.size() ? format_value(s.upper_bounds[i]) : "+Inf";
    std::pair<std::string_view, std::string_view> extra{"le", le};
    render_sample(out, bucket, format_labels(f.label_names(), values, &extra),
                  static_cast<double>(s.cumulative[i]));
  }
  std::string labels = format_labels(f.label_names(), values);
  render_sample(out, f.name() + "_sum", labels, s.sum);
  render_sample(out, f.name() + "_count", labels, static_cast<double>(s.count));
}

// A gauge family whose samples come from a callback at scrape time.
class CallbackGaugeFamily final : public FamilyBase {
 public:
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> labels,
                      GaugeCallback collect)
      : FamilyBase(std::move(name), std::move(help), Kind::kGauge, std::move(labels)),
        collect_(std::move(collect)) {}

  void render(std::string& out) const override {
    std::vector<GaugeSample> samples = collect_();
    std::map<std::vector<std::string>, double> sorted;
    for (const auto& s : samples) sorted[values_of(s.labels)] = s.value;
    render_header(out);
    for (const auto& [values, v] : sorted) {
      render_sample(out, name(), format_labels(label_names(), values), v);
    }
  }

 private:
  GaugeCallback collect_;
};

}  // namespace

FamilyBase::FamilyBase(std::string name, std::string help, Kind kind,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      kind_(kind),
      label_names_(std::move(label_names)) {
  SIGIL_CHECK(valid_metric_name(name_));
  SIGIL_CHECK(kind_ != Kind::kCounter || name_.ends_with("_total"));
  for (size_t i = 0; i < label_names_.size(); ++i) {
    SIGIL_CHECK(valid_label_name(label_names_[i]));
    SIGIL_CHECK(kind_ != Kind::kHistogram || label_names_[i] != "le");
    for (size_t j = 0; j < i; ++j) SIGIL_CHECK(label_names_[i] != label_names_[j]);
  }
}

std::vector<std::string> FamilyBase::values_of(const Labels& labels) const {
  SIGIL_CHECK(labels.size() == label_names_.size());
  std::vector<std::string> values(label_names_.size());
  std::vector<bool> seen(label_names_.size(), false);
  for (const auto& [k, v] : labels) {
    auto it = std::find(label_names_.begin(), label_names_.end(), k);
    SIGIL_CHECK(it != label_names_.end());
    auto i = static_cast<size_t>(it - label_names_.begin());
    SIGIL_CHECK(!seen[i]);
    seen[i] = true;
    values[i] = v;
  }
  return values;
}

void FamilyBase::render_header(std::string& out) const {
  out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
  out += "# TYPE " + name_ + ' ';
  out += kind_name(kind_);
  out += '\n';
}

template <class M>
Family<M>::Family(std::string name, std::string help, Kind kind,
                  std::vector<std::string> label_names, Factory make)
    : FamilyBase(std::move(name), std::move(help), kind, std::move(label_names)),
      make_(std::move(make)) {
  // A family without labels has exactly one series, which exists (and reads 0) from the start.
  if (this->label_names().empty()) series_.emplace(std::vector<std::string>{}, make_());
}

template <class M>
M& Family<M>::with(const Labels& labels) {
  std::vector<std::string> values = values_of(labels);
  std::lock_guard lock(mu_);
  auto it = series_.find(values);
  if (it == series_.end()) it = series_.emplace(std::move(values), make_()).first;
  return *it->second;
}

template <class M>
M& Family<M>::with(LabelList labels) {
  Labels copy;
  copy.reserve(labels.size());
  for (const auto& [k, v] : labels) copy.emplace_back(std::string(k), std::string(v));
  return with(copy);
}

template <class M>
void Family<M>::render(std::string& out) const {
  std::lock_guard lock(mu_);
  // A labelled family with no series yet still shows its HELP and TYPE: the name is there to
  // be found (by operators, alert rules and the docs test) before its first event.
  render_header(out);
  for (const auto& [values, m] : series_) render_series(out, *this, values, *m);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <class F, class... Args>
F& Registry::add(std::string name, Kind kind, std::vector<std::string>& labels, Args&&... args) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() != name) continue;
    // Same name again: only the identical declaration is allowed, and gets the same family.
    auto* same = dynamic_cast<F*>(f.get());
    SIGIL_CHECK(same != nullptr && f->kind() == kind && f->label_names() == labels);
    return *same;
  }
  auto family = std::make_unique<F>(std::move(name), std::forward<Args>(args)...);
  F& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  return add<CounterFamily>(std::move(name), Kind::kCounter, labels, std::move(help),
                            Kind::kCounter, labels, [] { return std::make_unique<Counter>(); });
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add<GaugeFamily>(std::move(name), Kind::kGauge, labels, std::move(help), Kind::kGauge,
                          labels, [] { return std::make_unique<Gauge>(); });
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<std::string> labels, std::vector<double> buckets) {
  auto make = [buckets = std::move(buckets)] { return std::make_unique<Histogram>(buckets); };
  return add<HistogramFamily>(std::move(name), Kind::kHistogram, labels, std::move(help),
                              Kind::kHistogram, labels, std::move(make));
}

void Registry::gauge_callback(std::string name, std::string help, std::vector<std::string> labels,
                              GaugeCallback collect) {
  add<CallbackGaugeFamily>(std::move(name), Kind::kGauge, labels, std::move(help), labels,
                           std::move(collect));
}

void Registry::gauge_callback(std::string name, std::string help, std::function<double()> value) {
  gauge_callback(std::move(name), std::move(help), {}, [value = std::move(value)] {
    return std::vector<GaugeSample>{{{}, value()}};
  });
}

std::string Registry::expose() const {
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard lock(mu_);
    families.reserve(families_.size());
    for (const auto& f : families_) families.push_back(f.get());
  }
  // Families are never removed, so the pointers stay valid without the lock; callbacks run
  // unlocked so they may register metrics or take their own locks.
  std::string out;
  for (const auto* f : families) f->render(out);
  return out;
}

}  // namespace sigil::metrics
