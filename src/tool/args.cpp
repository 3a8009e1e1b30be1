#include "args.hpp"

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <algorithm>

namespace mesos_http::tool {

std::optional<std::string> take_option(std::vector<std::string>& args, const std::string& name) {
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (*it == name) {
      if (it + 1 == args.end()) throw usage_failure{name + " needs a value"};
      std::string value = *(it + 1);
      args.erase(it, it + 2);
      return value;
    }
    if (it->rfind(name + "=", 0) == 0) {
      std::string value = it->substr(name.size() + 1);
      args.erase(it);
      return value;
    }
  }
  return std::nullopt;
}

bool take_flag(std::vector<std::string>& args, const std::string& name) {
  auto it = std::find(args.begin(), args.end(), name);
  if (it == args.end()) return false;
  args.erase(it);
  return true;
}

api take_api(std::vector<std::string>& args) {
  auto value = take_option(args, "--api");
  if (!value || *value == "scheduler") return api::scheduler;
  if (*value == "executor") return api::executor;
  throw usage_failure{"--api must be scheduler or executor, not '" + *value + "'"};
}

std::optional<content_type> take_content_type(std::vector<std::string>& args) {
  auto value = take_option(args, "--content-type");
  if (!value) return std::nullopt;
  if (auto type = parse_content_type(*value)) return type;
  throw usage_failure{"--content-type must be protobuf or json, not '" + *value + "'"};
}

std::string take_input(std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg.size() > 1 && arg[0] == '-') throw usage_failure{"unknown option " + arg};
  }
  if (args.size() > 1) throw usage_failure{"expected at most one FILE"};
  return args.empty() ? "-" : args.front();
}

std::unique_ptr<google::protobuf::Message> new_message(api which, bool events) {
  if (which == api::scheduler) {
    if (events) return std::make_unique<mesos::v1::scheduler::Event>();
    return std::make_unique<mesos::v1::scheduler::Call>();
  }
  if (events) return std::make_unique<mesos::v1::executor::Event>();
  return std::make_unique<mesos::v1::executor::Call>();
}

}  // namespace mesos_http::tool
