-- wrk script: every request registers a new, unique professional, for the meeting of the URL or, when
-- MEETING_PATHS is set (paths separated by commas), for each of those meetings in turn.
local token = os.getenv("CSRF_TOKEN")
local cookie = os.getenv("CSRF_COOKIE")
local paths = {}
for path in string.gmatch(os.getenv("MEETING_PATHS") or "", "[^,]+") do
  table.insert(paths, path)
end
local counter = 0
local threads = {}

-- thread_id is a global of each thread's own Lua state, set here (a local would shadow it:
-- every thread would then send the same addresses and measure the duplicate path instead).
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function request()
  counter = counter + 1
  local email = string.format("bench-%d-%d-%d@example.ma", thread_id, counter, os.time())
  local body = "csrfmiddlewaretoken=" .. token
    .. "&full_name=Professionnel+Bench&organisation=H%C3%B4tel+Atlas&job_title=Directeur"
    .. "&sector=lodging&email=" .. email .. "&phone=%2B212612345678&city=Dakhla&consent=on"
  local path = nil
  if #paths > 0 then
    path = paths[(counter + thread_id) % #paths + 1]
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
    ["Referer"] = "http://127.0.0.1/",
  }, body)
end
