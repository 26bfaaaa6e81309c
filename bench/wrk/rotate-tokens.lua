-- GET PATH rotating the bearer token through the lines of a file.
-- Arguments after "--": TOKEN_FILE [PATH] (default /students). Requests are formatted once, in init.
local requests = {}
local count = 0
local cursor = 0

init = function(args)
  local path = args[2] or "/students"
  for line in io.lines(args[1]) do
    if #line > 0 then
      local headers = {}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      headers["Authorization"] = "Bearer " .. line
      requests[count] = wrk.format("GET", path, headers)
      count = count + 1
    end
  end
  cursor = math.random(0, count - 1)
end

request = function()
  local r = requests[cursor]
  cursor = (cursor + 1) % count
  return r
end
