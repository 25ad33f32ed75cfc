// Whether ralph's live meter and the agent agree on what an iteration cost, model by model.
// The meter enforces every cap, so when it drifts from the agent's own figure either the
// pricing table is stale for a model (the tokens agree, the prices do not: re-probe with
// scripts/probe-prices.sh or override the model in ralph.json) or the meter did not see what
// the agent was billed for (the tokens differ, e.g. requests that never appeared in the
// stream). See README.md, "Prices".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "meter/stream_meter.hpp"
#include "meter/usage.hpp"

namespace ralph::meter {

// Two figures drift when they differ by more than 5% of the agent's AND by more than $0.01.
inline constexpr double kDriftShare = 0.05;
inline constexpr double kDriftUsd = 0.01;

bool costs_drift(double agent_usd, double metered_usd);
// Whether a record's meter figure drifts from the agent's (only records with both do).
bool record_drifts(const IterationRecord& record);

struct ModelDrift {
  std::string model;  // the agent's name for it, else the meter's
  double agent_usd = 0;
  double metered_usd = 0;
  Usage agent_tokens;
  Usage metered_tokens;
  bool drifts = false;  // costs_drift(agent_usd, metered_usd)
  bool tokens_agree = false;

  // The tokens agree and the cost does not: the table's price for this model is stale.
  bool stale_price() const { return drifts && tokens_agree; }
  // The cost drifts and so do the tokens: the meter saw other requests than the agent billed.
  bool unseen_tokens() const { return drifts && !tokens_agree; }
};

// One entry per model either side saw, in the order of the agent's names, then the meter's.
// The two sides name a model differently (the agent keys modelUsage by the name it resolved,
// e.g. claude-sonnet-4-5[1m]; the stream carries the API's, e.g. claude-sonnet-4-5), so names
// are matched by the table entry they are priced as.
std::vector<ModelDrift> price_drift(const AgentResult& agent,
                                    const std::map<std::string, ModelUsage>& metered,
                                    const PricingTable& pricing);

// The warning lines for iteration `iteration`, whose agent figure and meter figure are
// `agent_usd` and `metered_usd`: none when those do not drift; else one per drifting model
// (a stale price, with the ralph.json override that fixes it; or tokens the meter did not
// see), or one for the whole iteration when no single model drifts. `config_file` is where
// overrides go ("plans/ralph.json").
std::vector<std::string> drift_warnings(const std::vector<ModelDrift>& drifts, double agent_usd,
                                        double metered_usd, int iteration,
                                        const std::string& config_file);

}  // namespace ralph::meter
