#pragma once
// A Registry owns metric families and renders them in the Prometheus text exposition format
// 0.0.4. There is no global registry: main() creates one and passes it to whatever counts.
//
//   auto& issued = registry.counter("sigil_tokens_issued_total", "Tokens issued.",
//                                   {"tenant", "kind"});
//   issued.with({{"tenant", "vsphere.local"}, {"kind", "bearer"}}).inc();
//
// `with()` returns a reference that stays valid as long as the registry lives: hot paths look a
// series up once and keep the reference. Families are never removed.
//
// Names and label names are code constants, so a bad one (or registering the same name with a
// different kind or labels) is a programming error and aborts via SIGIL_CHECK. Label *values* may
// be anything; they are escaped on exposition.
//
// Thread-safety: all methods may be called from any thread. Registration and `with()` take a
// mutex; updates on the returned series are lock-free. Callback gauges run on the scraping thread
// without any registry lock held, so they may be slow but must be thread-safe themselves.

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigil/metrics/metric.hpp"

namespace sigil::metrics {

/// (label name, label value) pairs, in any order.
using Labels = std::vector<std::pair<std::string, std::string>>;
using LabelList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

enum class Kind { kCounter, kGauge, kHistogram };

/// Common part of every family: name, help, kind and label names.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Kind kind, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  /// Appends HELP, TYPE and every sample to `out`. Nothing when the family has no series.
  virtual void render(std::string& out) const = 0;

 protected:
  // Orders `labels` by the family's label names; aborts if the names differ.
  std::vector<std::string> values_of(const Labels& labels) const;
  void render_header(std::string& out) const;

 private:
  std::string name_;
  std::string help_;
  Kind kind_;
  std::vector<std::string> label_names_;
};

/// All series of one metric name, keyed by label values.
template <class M>
class Family final : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<M>()>;
  Family(std::string name, std::string help, Kind kind, std::vector<std::string> label_names,
         Factory make);

  /// The series for these labels, created on first use.
  M& with(const Labels& labels);
  M& with(LabelList labels);
  /// The series of a family without labels.
  M& with() { return with(Labels{}); }

  void render(std::string& out) const override;

 private:
  Factory make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

/// One sample produced by a callback gauge.
struct GaugeSample {
  Labels labels;
  double value = 0;
};
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// `name` must end in `_total`. Registering an existing name with the same kind and label names
  /// returns the existing family.
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> labels = {},
                             std::vector<double> buckets = default_latency_buckets());

  /// A gauge whose samples are computed at scrape time, e.g. certificate expiry per key.
  void gauge_callback(std::string name, std::string help, std::vector<std::string> labels,
                      GaugeCallback collect);
  /// A label-less gauge computed at scrape time, e.g. open connections.
  void gauge_callback(std::string name, std::string help, std::function<double()> value);

  /// Every family in registration order, Prometheus text format 0.0.4.
  std::string expose() const;

 private:
  template <class F, class... Args>
  F& add(std::string name, Kind kind, std::vector<std::string>& labels, Args&&... args);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

}  // namespace sigil::metrics
