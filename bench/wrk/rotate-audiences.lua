-- GET /v1/token rotating through the audiences https://api-0 ... https://api-(N-1).
-- Arguments after "--": N (default 1000). Requests are formatted once, in init.
local requests = {}
local count = 0
local cursor = 0

init = function(args)
  count = tonumber(args[1] or "1000")
  for i = 0, count - 1 do
    local headers = {}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    requests[i] = wrk.format("GET",
      "/v1/token?audience=https%3A%2F%2Fapi-" .. i .. "&scope=read%3Astudents", headers)
  end
  cursor = math.random(0, count - 1)
end

request = function()
  local r = requests[cursor]
  cursor = (cursor + 1) % count
  return r
end
