package org.multiprocessing4j.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.Event;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;

/**
 * Seed 003, 红绿灯 (final version): a light process turns an {@link Event} on (green) and off
 * (red); car processes that find it red wait for green, then pass. The seed's 2 s phases and
 * 1-3 s arrivals are shortened to 0.6 s and 0.2-0.6 s; the light runs until every car passed.
 *
 * <pre>
 * def traffic_light(e):
 *     while count &lt; 6:
 *         print('红灯亮'); time.sleep(2); if not e.is_set(): e.set()
 *         print('绿灯亮'); time.sleep(2); if e.is_set(): e.clear()
 * def car(i, e):
 *     if not e.is_set(): print('car%s正在等待' % i)
 *     e.wait(); print('car%s通过路口' % i)
 * </pre>
 */
final class TrafficLightDemo implements Demo {
    private static final int PHASE_MILLIS = 600;

    @Override
    public String name() {
        return "traffic-light";
    }

    @Override
    public String description() {
        return "Event as a traffic light: cars wait for green (seed 003, 红绿灯)";
    }

    static void trafficLight(Event green, Event allPassed) throws InterruptedException {
        while (!allPassed.isSet()) {
            System.out.println("\033[1;31m红灯亮\033[0m");
            Thread.sleep(PHASE_MILLIS);
            if (!green.isSet()) {
                green.set();
            }
            System.out.println("\033[1;32m绿灯亮\033[0m");
            Thread.sleep(PHASE_MILLIS);
            if (green.isSet()) {
                green.clear();
            }
        }
    }

    static void car(Integer i, Event green) throws InterruptedException {
        if (!green.isSet()) {
            System.out.printf("car%s正在等待%n", i);
        }
        green.await();
        System.out.printf("car%s通过路口%n", i);
    }

    @Override
    public void run() throws Exception {
        Event green = Multiprocessing.event();
        Event allPassed = Multiprocessing.event();
        Process light = new Process(TrafficLightDemo::trafficLight, green, allPassed);
        light.start();
        List<Process> cars = new ArrayList<>();
        for (int i = 1; i < 6; i++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(200, 600)); // time.sleep(random.randint(1, 3)), shortened
            Process car = new Process(TrafficLightDemo::car, i, green);
            car.start();
            cars.add(car);
        }
        for (Process car : cars) {
            car.join();
        }
        allPassed.set();
        light.join();
    }
}
