-- wrk: POST /accounts/{sender}/transfers as one logged-in user, between random accounts of that user.
-- Environment: WALLET_TOKEN (access token), WALLET_ACCOUNTS (comma-separated account ids),
-- WALLET_HOT_SENDER (optional: every transfer from this account).
local token = os.getenv("WALLET_TOKEN")
local hot = os.getenv("WALLET_HOT_SENDER")
local accounts = {}
for id in string.gmatch(os.getenv("WALLET_ACCOUNTS"), "[^,]+") do
  accounts[#accounts + 1] = id
end
local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

request = function()
  local sender = hot or accounts[math.random(#accounts)]
  local recipient = sender
  while recipient == sender do
    recipient = accounts[math.random(#accounts)]
  end
  local body = string.format('{"to_account_id":"%s","amount":"%d.%02d","currency":"RUB"}',
    recipient, math.random(1, 99), math.random(0, 99))
  return wrk.format("POST", "/accounts/" .. sender .. "/transfers", headers, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.mean / 1e3, errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
