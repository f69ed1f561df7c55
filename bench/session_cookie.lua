-- wrk as a browser keeps its session: the session cookie an answer sets replaces the one sent from
-- then on (bench/serve.py passes this script for the signed-in pages). Without it every request
-- would send the sign-in's cookie, older each second, as no browser does.
local request_text = nil

request = function()
  if request_text == nil then
    request_text = wrk.format()
  end
  return request_text
end

response = function(status, headers, body)
  local set = headers["Set-Cookie"]
  if set == nil then
    return
  end
  local session = set:match("^(session=[^;]*)")
  if session then
    wrk.headers["Cookie"] = wrk.headers["Cookie"]:gsub("session=[^;]*", session, 1)
    request_text = nil
  end
end
