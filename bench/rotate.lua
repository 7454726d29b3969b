-- Each request carries the next of many sessions, as a server sees many users rather than one:
-- `wrk ... -s bench/rotate.lua URL -- HEADER FILE`, FILE holding one header value per line. The
-- requests are formatted once per thread; each thread starts at its own place in the list.
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

local requests, i = {}, 0
function init(args)
  for value in io.lines(args[2]) do
    requests[#requests + 1] = wrk.format(nil, nil, { [args[1]] = value })
  end
  i = (first or 0) * math.floor(#requests / 2) % #requests
end

function request()
  i = i % #requests + 1
  return requests[i]
end
