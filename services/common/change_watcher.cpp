#include "sigil/service/change_watcher.hpp"

#include <memory>
#include <optional>

#include "sigil/db/listener.hpp"

namespace sigil::service {
namespace {

// How long one LISTEN wait lasts: the upper bound on how long stop() waits for the thread.
constexpr std::chrono::milliseconds kWaitSlice{200};

}  // namespace

ChangeWatcher::ChangeWatcher(const log::Logger& log, metrics::Gauge& connected,
                             ChangeWatcherOptions options)
    : log_(log), connected_(connected), options_(std::move(options)) {}

ChangeWatcher::~ChangeWatcher() { stop(); }

const char* ChangeWatcher::name(Resync kind) noexcept {
  switch (kind) {
    case Resync::kStart: return "start";
    case Resync::kReconnect: return "reconnect";
    case Resync::kPoll: return "poll";
  }
  return "poll";
}

void ChangeWatcher::start(Handlers handlers) {
  if (thread_.joinable() || options_.conninfo.empty()) return;
  handlers_ = std::move(handlers);
  thread_ = std::thread([this] { run(); });
}

void ChangeWatcher::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ChangeWatcher::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void ChangeWatcher::lost(const std::string& message) {
  connected_.set(0);
  if (lost_logged_) return;
  log_.warn(options_.log_prefix + ".listen_lost",
            {{"channel", options_.channel}, {"message", message}, {"fallback", "polling"},
             {"poll_interval_ms", options_.poll_interval.count()}});
  lost_logged_ = true;
}

void ChangeWatcher::run() {
  std::unique_ptr<db::Listener> listener;
  std::optional<Resync> pending = Resync::kStart;
  bool synced_once = false;
  auto last_poll = std::chrono::steady_clock::now();
  while (true) {
    {
      std::lock_guard lock(stop_mu_);
      if (stopping_) return;
    }
    if (!listener) {
      auto opened = db::Listener::open(options_.conninfo, {options_.channel});
      if (opened) {
        listener = std::move(*opened);
        connected_.set(1);
        if (lost_logged_) {
          log_.info(options_.log_prefix + ".listen_restored", {{"channel", options_.channel}});
        }
        lost_logged_ = false;
        // Notifications sent while no one listened are lost: re-read everything.
        if (synced_once) pending = Resync::kReconnect;
      } else {
        lost(opened.error().message);
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (pending || now - last_poll >= options_.poll_interval) {
      if (handlers_.resync(pending.value_or(Resync::kPoll))) {
        pending.reset();
        synced_once = true;
      }
      last_poll = now;
    }
    if (!listener) {
      if (!sleep_for(options_.reconnect_delay)) return;
      continue;
    }
    auto note = listener->wait(kWaitSlice);
    if (!note) {
      listener.reset();
      lost(note.error().message);
      continue;
    }
    if (*note) handlers_.notified((*note)->payload);
  }
}

}  // namespace sigil::service
